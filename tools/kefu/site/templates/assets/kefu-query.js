/* Cut a typed question into the search index's own words before Material's search sees it.
   window.KEFU_QUERY (written above this code at build time): words, synonyms, stop, max, and
   keep: a Han character that is in no word of the index.

   Material's search worker cuts every run of Han characters again, greedily against its index,
   but never tries the whole run (only shorter pieces): 快递 becomes 快 (which finds 快餐), 代收
   becomes 代, and the ?h= highlight of the opened page gets those pieces too.  A word of the
   index sent as 快递 + keep comes back whole: the pieces it tries now include 快递 itself, and
   the keep character, never a word, is dropped. */
(function () {
  var Q = window.KEFU_QUERY;
  if (!Q) return;
  var prefixes = new Set(), stop = new Set(Q.stop), common = new Set(Q.common || []);
  var exact = new Set(Q.words), keep = Q.keep || "";
  Q.words.forEach(function (w) {
    for (var n = 2; n <= w.length; n++) prefixes.add(w.slice(0, n));
  });
  var han = /[\u4e00-\u9fff]/;
  function segment(query) {
    var words = [];
    query.split(/[\s\u3000，。？！、,.?!；;：:]+/).forEach(function (part) {
      if (!part) return;
      if (!han.test(part)) { words.push(part); return; }
      var i = 0;
      while (i < part.length) {
        var found = null;
        for (var n = Math.min(Q.max, part.length - i); n >= 2; n--) {
          var w = part.substr(i, n);
          if (prefixes.has(w) || stop.has(w)) { found = w; break; }
        }
        if (found) { if (!stop.has(found)) words.push(found); i += found.length; }
        else i += 1; /* a character that is no word of the handbook on its own */
      }
    });
    var rare = words.filter(function (w) { return !common.has(w); });
    if (rare.length) words = rare; /* 业主 is on most pages: it ranks nothing beside other words */
    var seen = {}, out = [];
    words.forEach(function (w) {
      [w].concat(Q.synonyms[w] || []).forEach(function (x) {
        if (!seen[x]) { seen[x] = true; out.push(x); }
      });
    });
    return out.length ? out.join(" ") : query;
  }
  /* What the worker is sent: each whole word of the index guarded by keep (see above). */
  function guarded(query) {
    return segment(query).split(" ").map(function (w) {
      return keep && exact.has(w) ? w + keep : w;
    }).join(" ");
  }
  window.kefuSegment = segment;
  function patch(proto) {
    if (!proto || proto.__kefu) return;
    var send = proto.postMessage;
    proto.postMessage = function (message) {
      if (message && typeof message.data === "string" && typeof message.type === "number") {
        message = { type: message.type, data: guarded(message.data) };
      }
      return send.apply(this, [message].concat([].slice.call(arguments, 1)));
    };
    proto.__kefu = true;
  }
  patch(window.Worker && window.Worker.prototype);
  document.addEventListener("DOMContentLoaded", function () { patch(window.Worker && window.Worker.prototype); });
})();
