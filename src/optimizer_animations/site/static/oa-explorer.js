/* optimizer-animations' explorer (site/explorer.py): every trial of a grid
 * on one static page. The data is the page's JSON block (parsed, never
 * evaluated); positions and losses are float32 arrays in base64, drawn as
 * they are. No network, no dependencies.
 *
 * window.optimizerAnimations.explorer:
 *   state()   -> {point: [value per slider], seed, step, shown: [entry names]}
 *   drawn()   -> {entry: [[x, y], ...]} the points drawn, up to the step
 *   numbers() -> [{optimizer, final_loss, diverged_at, distance, reached_at}]
 *   tuned     -> {entry: learning rate} (a tuned experiment's choice) or null
 *   redraw()  -> draws again, returns the milliseconds it took
 */
(function () {
  "use strict";

  function floats(text) {
    var bytes = atob(text);
    var buffer = new ArrayBuffer(bytes.length);
    var view = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) view[i] = bytes.charCodeAt(i);
    return new Float32Array(buffer);
  }

  function format(value) {
    if (value === null || value === undefined) return "\u2013";
    if (value === 0) return "0";
    var magnitude = Math.abs(value);
    return magnitude >= 1e-3 && magnitude < 1e4 ? String(Number(value.toPrecision(4))) : value.toExponential(2);
  }

  function Explorer(root, data) {
    var self = this;
    this.root = root;
    this.data = data;
    this.positions = floats(data.positions);
    this.losses = floats(data.loss);
    this.stepCount = data.steps.length;
    this.trialCount = data.trials.family.length;
    this.point = data.sliders.map(function (s, i) {
      return Number(root.querySelector("[data-argument='" + i + "']").value);
    });
    this.seed = 0;
    this.step = this.stepCount - 1;
    this.shown = data.families.map(function () { return true; });
    this.playing = false;
    this.timer = null;
    this.tuned = data.tuned;
    // (entry, point, seed) -> trial
    this.index = new Map();
    for (var t = 0; t < this.trialCount; t++) {
      this.index.set(this.key(data.trials.family[t], data.trials.point[t], data.trials.seed[t]), t);
    }
    this.pathCanvas = root.querySelector(".oa-x-paths");
    this.lossCanvas = root.querySelector(".oa-x-losses");
    this.stepSlider = root.querySelector("#oa-x-step");
    this.stepOutput = root.querySelector("output[for='oa-x-step']");
    this.playButton = root.querySelector(".oa-x-play");
    this.body = root.querySelector(".oa-x-numbers tbody");
    this.image = new Image();
    this.image.onload = function () { self.redraw(); };
    this.image.src = data.view.image;
    this.lossRange = this.lossBounds();

    root.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); });
    data.sliders.forEach(function (slider, i) {
      var input = root.querySelector("[data-argument='" + i + "']");
      input.addEventListener("input", function () { self.point[i] = Number(input.value); self.update(); });
    });
    var seedSelect = root.querySelector("#oa-x-seed");
    if (seedSelect) seedSelect.addEventListener("change", function () { self.seed = Number(seedSelect.value); self.update(); });
    root.querySelectorAll("[data-family]").forEach(function (box) {
      box.addEventListener("change", function () { self.shown[Number(box.dataset.family)] = box.checked; self.update(); });
    });
    this.stepSlider.addEventListener("input", function () { self.pause(); self.step = Number(self.stepSlider.value); self.update(); });
    this.playButton.addEventListener("click", function () { self.playing ? self.pause() : self.play(); });
    root.addEventListener("keydown", function (event) {
      if (event.key === " " && event.target.tagName !== "BUTTON" && event.target.tagName !== "SELECT" && event.target.type !== "checkbox") {
        event.preventDefault();
        self.playing ? self.pause() : self.play();
      }
    });
    var tunedButton = root.querySelector(".oa-x-tuned");
    if (tunedButton) tunedButton.addEventListener("click", function () { self.goToTuned(); });
    this.markTuned();
    this.update();
  }

  Explorer.prototype.key = function (family, point, seed) {
    return family + "|" + point.join(",") + "|" + seed;
  };

  Explorer.prototype.trialOf = function (family) {
    // The trial of `family` at the sliders' point; an argument the entry
    // does not have (-1 in its point) matches any slider position.
    var data = this.data;
    var point = this.point.map(function (value, i) { return value; });
    var t = this.index.get(this.key(family, point, this.seed));
    if (t !== undefined) return t;
    for (var u = 0; u < this.trialCount; u++) {
      if (data.trials.family[u] !== family || data.trials.seed[u] !== this.seed) continue;
      var p = data.trials.point[u];
      var ok = true;
      for (var i = 0; i < p.length; i++) if (p[i] !== -1 && p[i] !== point[i]) { ok = false; break; }
      if (ok) return u;
    }
    return -1;
  };

  Explorer.prototype.lossBounds = function () {
    // The range of the trials that did not diverge (all, if every one did):
    // a diverging trial's last finite losses would flatten every other curve.
    var low = Infinity, high = -Infinity, trials = this.data.trials, self = this;
    function scan(keep) {
      for (var t = 0; t < self.trialCount; t++) {
        if (!keep(t)) continue;
        for (var s = 0; s < self.stepCount; s++) {
          var v = self.losses[t * self.stepCount + s];
          if (isFinite(v)) { if (v < low) low = v; if (v > high) high = v; }
        }
      }
    }
    scan(function (t) { return trials.diverged_at[t] === null; });
    if (!isFinite(low)) scan(function () { return true; });
    var log = low > 0 && high / low > 100;
    if (!isFinite(low)) { low = 0; high = 1; }
    if (high === low) high = low + 1;
    return { low: low, high: high, log: log };
  };

  Explorer.prototype.update = function () {
    var data = this.data, root = this.root, self = this;
    data.sliders.forEach(function (slider, i) {
      var input = root.querySelector("[data-argument='" + i + "']");
      var text = format(slider.values[self.point[i]]);
      var tunedFor = self.tunedAt(i, self.point[i]);
      root.querySelector("output[for='oa-x-arg-" + i + "']").textContent =
        text + (tunedFor.length ? " (tuned for " + tunedFor.join(", ") + ")" : "");
      input.setAttribute("aria-valuetext", slider.name.replace(/_/g, " ") + " " + text);
      input.value = String(self.point[i]);
    });
    var stepText = data.step_label + " " + data.steps[this.step];
    this.stepSlider.value = String(this.step);
    this.stepSlider.setAttribute("aria-valuetext", stepText);
    this.stepOutput.textContent = stepText;
    root.setAttribute("data-step", String(data.steps[this.step]));
    this.labelTunedButton();
    this.redraw();
    this.fillNumbers();
  };

  Explorer.prototype.pathPoints = function (t) {
    var points = [];
    var base = t * this.stepCount * 2;
    for (var s = 0; s <= this.step; s++) points.push([this.positions[base + 2 * s], this.positions[base + 2 * s + 1]]);
    return points;
  };

  Explorer.prototype.drawn = function () {
    var out = {};
    for (var f = 0; f < this.data.families.length; f++) {
      if (!this.shown[f]) continue;
      var t = this.trialOf(f);
      if (t >= 0) out[this.data.families[f].name] = this.pathPoints(t);
    }
    return out;
  };

  Explorer.prototype.redraw = function () {
    var started = performance.now();
    this.drawPaths();
    this.drawLosses();
    return performance.now() - started;
  };

  Explorer.prototype.drawPaths = function () {
    var canvas = this.pathCanvas, context = canvas.getContext("2d"), view = this.data.view;
    context.clearRect(0, 0, canvas.width, canvas.height);
    if (this.image.complete && this.image.naturalWidth) context.drawImage(this.image, 0, 0);
    var box = view.box;
    function px(x) { return box[0] + (x - view.x[0]) / (view.x[1] - view.x[0]) * box[2]; }
    function py(y) { return box[1] + box[3] - (y - view.y[0]) / (view.y[1] - view.y[0]) * box[3]; }
    context.save();
    context.beginPath();
    context.rect(box[0], box[1], box[2], box[3]);
    context.clip();
    for (var f = 0; f < this.data.families.length; f++) {
      if (!this.shown[f]) continue;
      var t = this.trialOf(f);
      if (t < 0) continue;
      var points = this.pathPoints(t);
      context.strokeStyle = this.data.families[f].colour;
      context.fillStyle = this.data.families[f].colour;
      context.lineWidth = 2;
      context.beginPath();
      var open = false, last = null;
      for (var i = 0; i < points.length; i++) {
        var p = points[i];
        if (!isFinite(p[0]) || !isFinite(p[1])) break;  // diverged: the path ends
        if (open) context.lineTo(px(p[0]), py(p[1])); else { context.moveTo(px(p[0]), py(p[1])); open = true; }
        last = p;
      }
      context.stroke();
      if (last) {
        context.beginPath();
        context.arc(px(last[0]), py(last[1]), 5, 0, 2 * Math.PI);
        context.fill();
      }
    }
    context.restore();
  };

  Explorer.prototype.drawLosses = function () {
    var canvas = this.lossCanvas, context = canvas.getContext("2d");
    var width = canvas.width, height = canvas.height;
    var left = 70, right = 15, top = 15, bottom = 45;
    var range = this.lossRange, steps = this.data.steps, last = steps[steps.length - 1] || 1;
    function ly(v) {
      var a = range.log ? Math.log10(range.low) : range.low;
      var b = range.log ? Math.log10(range.high) : range.high;
      var x = range.log ? Math.log10(Math.max(v, range.low)) : v;
      return top + (1 - (x - a) / (b - a)) * (height - top - bottom);
    }
    function lx(step) { return left + step / last * (width - left - right); }
    var dark = false;  // the page is light (page.html)
    context.clearRect(0, 0, width, height);
    context.fillStyle = dark ? "#1e1e1e" : "#ffffff";
    context.fillRect(0, 0, width, height);
    context.strokeStyle = dark ? "#bbb" : "#444";
    context.fillStyle = dark ? "#ddd" : "#222";
    context.lineWidth = 1;
    context.strokeRect(left, top, width - left - right, height - top - bottom);
    context.font = "12px system-ui, sans-serif";
    context.textAlign = "right";
    context.textBaseline = "middle";
    [range.low, range.log ? Math.sqrt(range.low * range.high) : (range.low + range.high) / 2, range.high].forEach(function (v) {
      context.fillText(format(v), left - 6, ly(v));
    });
    context.textAlign = "center";
    context.textBaseline = "top";
    [0, Math.round(last / 2), last].forEach(function (s) { context.fillText(String(s), lx(s), height - bottom + 6); });
    context.fillText(this.data.step_label + (range.log ? "   (loss on a log scale)" : ""), left + (width - left - right) / 2, height - 20);
    context.save();
    context.beginPath();
    context.rect(left, top, width - left - right, height - top - bottom);
    context.clip();
    for (var f = 0; f < this.data.families.length; f++) {
      if (!this.shown[f]) continue;
      var t = this.trialOf(f);
      if (t < 0) continue;
      context.strokeStyle = this.data.families[f].colour;
      context.lineWidth = 2;
      context.beginPath();
      var open = false;
      for (var s = 0; s <= this.step; s++) {
        var v = this.losses[t * this.stepCount + s];
        if (!isFinite(v)) break;
        if (open) context.lineTo(lx(steps[s]), ly(v)); else { context.moveTo(lx(steps[s]), ly(v)); open = true; }
      }
      context.stroke();
    }
    context.restore();
  };

  Explorer.prototype.numbers = function () {
    var rows = [], trials = this.data.trials;
    for (var f = 0; f < this.data.families.length; f++) {
      if (!this.shown[f]) continue;
      var t = this.trialOf(f);
      rows.push({
        optimizer: this.data.families[f].name,
        title: this.data.families[f].title,
        trial: t,
        final_loss: t < 0 ? null : trials.final_loss[t],
        diverged_at: t < 0 ? null : trials.diverged_at[t],
        distance: t < 0 ? null : trials.distance[t],
        reached_at: t < 0 ? null : trials.reached_at[t]
      });
    }
    return rows;
  };

  Explorer.prototype.fillNumbers = function () {
    var body = this.body, landscape = this.data.landscape;
    while (body.firstChild) body.removeChild(body.firstChild);
    this.numbers().forEach(function (row) {
      var tr = document.createElement("tr");
      var cells = [row.title, row.trial < 0 ? "no run here" : format(row.final_loss),
        row.diverged_at === null ? "no" : "at " + row.diverged_at];
      if (landscape) cells.push(format(row.distance));
      cells.push(row.reached_at === null ? "never" : String(row.reached_at));
      cells.forEach(function (text, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) cell.scope = "row";
        cell.textContent = text;
        if (i === 2 && row.diverged_at !== null) cell.className = "diverged";
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
  };

  Explorer.prototype.tunedAt = function (column, index) {
    // The entries whose chosen learning rate is this slider position.
    var data = this.data;
    if (!this.tuned || data.sliders[column].name !== "learning_rate") return [];
    var value = data.sliders[column].values[index];
    return data.families.filter(function (f) { return data.tuned[f.name] === value; })
      .map(function (f) { return f.title; });
  };

  Explorer.prototype.markTuned = function () {
    if (!this.tuned) return;
    var data = this.data, marks = this.root.querySelector(".oa-x-marks");
    var column = data.sliders.map(function (s) { return s.name; }).indexOf("learning_rate");
    if (!marks || column < 0) return;
    var values = data.sliders[column].values;
    var count = values.length;
    data.families.forEach(function (family) {
      var rate = data.tuned[family.name];
      var at = values.indexOf(rate);
      if (at < 0) return;
      var mark = document.createElement("span");
      mark.className = "oa-x-mark";
      mark.style.left = (count > 1 ? at / (count - 1) * 100 : 0) + "%";
      mark.style.background = family.colour;
      mark.title = family.title + ": tuned " + format(rate);
      mark.dataset.family = family.name;
      mark.dataset.index = String(at);
      marks.appendChild(mark);
    });
  };

  Explorer.prototype.goToTuned = function () {
    // The first shown entry's chosen rate.
    var column = this.data.sliders.map(function (s) { return s.name; }).indexOf("learning_rate");
    for (var f = 0; f < this.data.families.length; f++) {
      if (!this.shown[f]) continue;
      var at = this.data.sliders[column].values.indexOf(this.tuned[this.data.families[f].name]);
      if (at >= 0) { this.point[column] = at; this.update(); return; }
    }
  };

  Explorer.prototype.labelTunedButton = function () {
    var button = this.root.querySelector(".oa-x-tuned");
    if (!button) return;
    for (var f = 0; f < this.data.families.length; f++) {
      if (this.shown[f]) { button.textContent = "Go to " + this.data.families[f].title + "'s tuned rate"; return; }
    }
    button.textContent = "Go to the tuned rate";
  };

  Explorer.prototype.play = function () {
    var self = this;
    if (this.playing) return;
    this.playing = true;
    this.playButton.setAttribute("aria-label", "Pause");
    this.showIcon(true);
    this.root.setAttribute("data-state", "playing");
    if (this.step >= this.stepCount - 1) this.step = 0;
    var per = Math.min(150, Math.max(16, 6000 / this.stepCount));  // a long path in about 6 s
    function tick() {
      if (!self.playing) return;
      self.step = Math.min(self.step + 1, self.stepCount - 1);
      self.update();
      if (self.step >= self.stepCount - 1) { self.pause(); return; }
      self.timer = setTimeout(tick, per);
    }
    this.timer = setTimeout(tick, per);
  };

  Explorer.prototype.pause = function () {
    this.playing = false;
    clearTimeout(this.timer);
    this.playButton.setAttribute("aria-label", "Play");
    this.showIcon(false);
    this.root.setAttribute("data-state", "paused");
  };

  Explorer.prototype.showIcon = function (playing) {
    this.playButton.querySelector(".oa-x-icon-play").toggleAttribute("hidden", playing);
    this.playButton.querySelector(".oa-x-icon-pause").toggleAttribute("hidden", !playing);
  };

  Explorer.prototype.state = function () {
    var data = this.data, self = this;
    return {
      point: this.point.map(function (i, column) { return data.sliders[column].values[i]; }),
      seed: data.seeds[this.seed],
      step: data.steps[this.step],
      shown: data.families.filter(function (f, i) { return self.shown[i]; }).map(function (f) { return f.name; })
    };
  };

  function start() {
    var root = document.getElementById("oa-explorer");
    var block = document.getElementById("oa-explorer-data");
    if (!root || !block) return;
    var explorer = new Explorer(root, JSON.parse(block.textContent));
    window.optimizerAnimations = window.optimizerAnimations || {};
    window.optimizerAnimations.explorer = {
      state: function () { return explorer.state(); },
      drawn: function () { return explorer.drawn(); },
      numbers: function () { return explorer.numbers(); },
      redraw: function () { return explorer.redraw(); },
      tuned: explorer.tuned,
      ready: true
    };
    window.optimizerAnimations.explorer.readyAt = performance.now();
    root.setAttribute("data-ready", "true");
    // In a frame (the Sphinx directive): tell the page how tall this one is,
    // whenever it changes and whenever the page asks (it may have started
    // listening after this page first spoke).
    if (window.parent !== window) {
      var tellHeight = function () {
        window.parent.postMessage({ type: "oa-explorer-height", height: document.documentElement.scrollHeight }, "*");
      };
      window.addEventListener("message", function (event) {
        if (event.source === window.parent && event.data && event.data.type === "oa-explorer-measure") tellHeight();
      });
      if (window.ResizeObserver) new ResizeObserver(tellHeight).observe(document.body);
      tellHeight();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
