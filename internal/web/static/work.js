// ncms console: keyboard help for clerks (progressive enhancement).
//   "/"  focuses the global search (when not typing in a field)
//   Alt+S (the access key of the search box; Alt+Shift+S in Firefox)
//   a form marked data-autofocus (or an element with autofocus) gets the
//   focus when the page opens; Enter submits forms as usual.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (!document.querySelector("[autofocus]")) {
    var first = document.querySelector("main form[data-autofocus] input:not([type=hidden]):not([disabled]), " +
      "main form[data-autofocus] select, main form[data-autofocus] textarea");
    if (first) { first.focus(); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (t && t.isContentEditable)) { return; }
    var q = document.getElementById("global-q");
    if (q) { e.preventDefault(); q.focus(); }
  });
});
