/* The time-limit page's filter: typing narrows the rules to those whose text has every
   typed word; a situation link shows that group only.  No library, works from file://. */
(function () {
  function setup() {
    var input = document.getElementById("kefu-sla-filter");
    if (!input) return;
    var rules = Array.prototype.slice.call(document.querySelectorAll(".kefu-rule"));
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
    var none = document.querySelector(".kefu-filter__none");
    var only = null;
    function apply() {
      var words = input.value.trim().split(/\s+/).filter(Boolean);
      var shown = {};
      rules.forEach(function (el) {
        var box = el.parentNode.getAttribute("data-group");
        var text = el.textContent;
        var ok = (!only || box === only) && words.every(function (w) { return text.indexOf(w) >= 0; });
        el.hidden = !ok;
        if (ok) shown[box] = true;
      });
      groups.forEach(function (el) {
        if (el.tagName === "A") { el.classList.toggle("kefu-on", el.getAttribute("data-group") === only); return; }
        el.hidden = !shown[el.getAttribute("data-group")];
      });
      if (none) none.hidden = Object.keys(shown).length > 0;
    }
    input.addEventListener("input", apply);
    groups.forEach(function (el) {
      if (el.tagName !== "A") return;
      el.addEventListener("click", function (ev) {
        var key = el.getAttribute("data-group");
        only = only === key ? null : key;
        apply();
        ev.preventDefault();
        if (only) document.getElementById("group-" + key).scrollIntoView();
      });
    });
    /* a link to sla.html#rule-id must land on a visible rule */
    if (location.hash) {
      var target = document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
