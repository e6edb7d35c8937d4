/* optimizer-animations' player: play/pause, previous/next frame and a slider
 * over the frames of every animation a page shows (gallery, report, Sphinx).
 *
 * Markup (site/templates/figures.html): <span class="oa-player"
 * data-player="{...}"> around the animation's <video> (seeked to each
 * frame) or its GIF <img> (then the frames' grid PNG, `sprite`, is drawn
 * frame by frame on a canvas: every frame exact). data-player is the
 * animation's `name.player.json` plus `sprite` and `scale`; it is parsed as
 * JSON, never evaluated. No network, no dependencies: works from file://.
 *
 * Each player's state is on its element for tests and scripts:
 * data-frame (the frame shown, from 0) and data-state (playing | paused);
 * window.optimizerAnimations.players lists the players.
 */
(function () {
  "use strict";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Icons as SVG paths (a 16 x 16 box): no font is needed for them.
  var ICONS = {
    previous: "M3 2h2v12H3zM14 2v12L6 8z",
    next: "M11 2h2v12h-2zM2 2v12l8-6z",
    play: "M4 2v12l10-6z",
    pause: "M4 2h3v12H4zM9 2h3v12H9z"
  };

  function setIcon(b, name) {
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(svgNS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    while (b.firstChild) b.removeChild(b.firstChild);
    b.appendChild(svg);
  }

  function button(label, icon) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "oa-button";
    b.setAttribute("aria-label", label);
    b.title = label;
    setIcon(b, icon);
    return b;
  }

  function Player(root) {
    var data = JSON.parse(root.getAttribute("data-player"));
    var self = this;
    this.root = root;
    this.data = data;
    this.count = data.frames;
    this.frame = -1;
    this.playing = false;
    this.timer = null;
    this.video = root.querySelector("video");
    this.image = root.querySelector("img");
    var stage = root.querySelector(".oa-stage");
    this.stage = stage;
    var cssWidth = data.width / (data.scale || 1);
    stage.style.maxWidth = cssWidth + "px";

    if (this.video) {
      var video = this.video;
      video.removeAttribute("controls");
      video.removeAttribute("autoplay");
      video.autoplay = false;
      video.loop = true;
      video.muted = true;
      video.pause();
      video.addEventListener("play", function () { self.track(); });
    } else {
      var canvas = document.createElement("canvas");
      canvas.width = data.width;
      canvas.height = data.height;
      canvas.className = "oa-canvas";
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", this.image ? this.image.alt : root.getAttribute("aria-label") || "");
      canvas.hidden = true;
      stage.appendChild(canvas);
      this.canvas = canvas;
      this.sprite = null;
    }

    var controls = document.createElement("span");
    controls.className = "oa-controls";
    this.previous = button("Previous frame", "previous");
    this.toggle = button("Play", "play");
    this.next = button("Next frame", "next");
    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.max = String(this.count - 1);
    this.slider.step = "1";
    this.slider.className = "oa-slider";
    this.slider.setAttribute("aria-label", "Frame");
    this.label = document.createElement("output");
    this.label.className = "oa-label";
    this.label.setAttribute("aria-live", "off");
    controls.appendChild(this.previous);
    controls.appendChild(this.toggle);
    controls.appendChild(this.next);
    controls.appendChild(this.slider);
    controls.appendChild(this.label);
    root.appendChild(controls);
    root.tabIndex = 0;

    this.toggle.addEventListener("click", function () { self.playing ? self.pause() : self.play(); });
    this.previous.addEventListener("click", function () { self.pause(); self.show(self.frame - 1); });
    this.next.addEventListener("click", function () { self.pause(); self.show(self.frame + 1); });
    this.slider.addEventListener("input", function () { self.pause(); self.show(Number(self.slider.value)); });
    stage.addEventListener("click", function () { self.playing ? self.pause() : self.play(); });
    root.addEventListener("keydown", function (event) { self.key(event); });

    // Paused on the last frame (the poster) for a reader who asks for less
    // motion, or when the page asks (`data-start="paused"`); else playing.
    this.autoplay = !reduceMotion && root.getAttribute("data-start") !== "paused";
    this.show(this.count - 1);
    this.setState(false);
    this.visible(function () {
      if (self.canvas) {
        self.load(function () { if (self.autoplay) self.play(); });
      } else if (self.autoplay) {
        self.play();
      }
    });
  }

  Player.prototype.visible = function (callback) {
    // The frames load when the player is first on screen: a page's hidden
    // dark (or light) variant never loads its frames.
    if (!("IntersectionObserver" in window)) { callback(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        callback();
      }
    }, { rootMargin: "200px" });
    observer.observe(this.root);
  };

  Player.prototype.load = function (callback) {
    var self = this;
    var sprite = new Image();
    sprite.onload = function () {
      self.sprite = sprite;
      self.canvas.hidden = false;
      if (self.image) self.image.hidden = true;
      self.draw();
      callback();
    };
    sprite.src = this.data.sprite;
  };

  Player.prototype.draw = function () {
    if (!this.sprite) return;
    var d = this.data;
    var column = this.frame % d.columns;
    var row = Math.floor(this.frame / d.columns);
    var context = this.canvas.getContext("2d");
    context.clearRect(0, 0, d.width, d.height);
    context.drawImage(this.sprite, column * d.width, row * d.height, d.width, d.height, 0, 0, d.width, d.height);
  };

  Player.prototype.show = function (frame, fromVideo) {
    frame = Math.max(0, Math.min(this.count - 1, frame));
    this.frame = frame;
    var text = this.data.labels[frame];
    this.slider.value = String(frame);
    this.slider.setAttribute("aria-valuetext", text);
    this.label.textContent = text + " (" + (frame + 1) + "/" + this.count + ")";
    this.root.setAttribute("data-frame", String(frame));
    if (this.video && !fromVideo) {
      // The middle of the frame's time: the decoder shows that frame.
      this.video.currentTime = (frame + 0.5) * this.data.duration_ms / 1000;
    }
    if (this.canvas) this.draw();
  };

  Player.prototype.setState = function (playing) {
    this.playing = playing;
    this.root.setAttribute("data-state", playing ? "playing" : "paused");
    this.toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.toggle.title = playing ? "Pause" : "Play";
    setIcon(this.toggle, playing ? "pause" : "play");
  };

  Player.prototype.play = function () {
    if (this.playing) return;
    this.setState(true);
    if (this.frame >= this.count - 1) this.show(0);
    if (this.video) {
      var promise = this.video.play();
      var self = this;
      if (promise && promise.catch) promise.catch(function () { self.setState(false); });
    } else {
      this.schedule();
    }
  };

  Player.prototype.pause = function () {
    if (!this.playing) return;
    this.setState(false);
    if (this.video) {
      this.video.pause();
      this.show(this.frame);  // rest on the frame's own picture
    }
    clearTimeout(this.timer);
    this.timer = null;
  };

  Player.prototype.schedule = function () {
    var self = this;
    var wait = this.frame === this.count - 1 ? this.data.hold_ms : this.data.duration_ms;
    this.timer = setTimeout(function () {
      if (!self.playing) return;
      self.show((self.frame + 1) % self.count);
      self.schedule();
    }, wait);
  };

  Player.prototype.track = function () {
    // The slider follows the playing video, frame by frame.
    var self = this;
    function step() {
      if (!self.playing) return;
      var frame = Math.floor(self.video.currentTime * 1000 / self.data.duration_ms);
      if (frame !== self.frame) self.show(Math.min(frame, self.count - 1), true);
      window.requestAnimationFrame(step);
    }
    window.requestAnimationFrame(step);
  };

  Player.prototype.key = function (event) {
    var target = event.target;
    if (target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return;
    var onSlider = target === this.slider;
    switch (event.key) {
      case " ":
      case "k":
        this.playing ? this.pause() : this.play();
        break;
      case "ArrowLeft":
      case "ArrowDown":
        if (onSlider) return;  // the slider moves itself, then says so
        this.pause(); this.show(this.frame - 1);
        break;
      case "ArrowRight":
      case "ArrowUp":
        if (onSlider) return;
        this.pause(); this.show(this.frame + 1);
        break;
      case "Home":
        if (onSlider) return;
        this.pause(); this.show(0);
        break;
      case "End":
        if (onSlider) return;
        this.pause(); this.show(this.count - 1);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  // An explorer in a frame (the Sphinx `explorer` directive) says how tall
  // its page is; only a number, from one of this page's explorer frames.
  // This script is deferred, so a frame may have spoken before it listened:
  // it asks each frame again once it starts and whenever a frame loads.
  function askHeight(frame) {
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: "oa-explorer-measure" }, "*");
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "oa-explorer-height" || typeof data.height !== "number") return;
    var frames = document.querySelectorAll("iframe.oa-explorer-frame");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(200, Math.min(8000, Math.ceil(data.height))) + "px";
      }
    }
  });

  function start() {
    var nodes = document.querySelectorAll(".oa-player[data-player]");
    var players = [];
    for (var i = 0; i < nodes.length; i++) players.push(new Player(nodes[i]));
    window.optimizerAnimations = window.optimizerAnimations || {};
    window.optimizerAnimations.players = players;
    var frames = document.querySelectorAll("iframe.oa-explorer-frame");
    for (var j = 0; j < frames.length; j++) {
      frames[j].addEventListener("load", askHeight.bind(null, frames[j]));
      askHeight(frames[j]);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
