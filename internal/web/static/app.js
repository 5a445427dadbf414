// ncms console: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // <form data-confirm="..."> asks before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // <button data-copy="#id"> copies the text of an element.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.querySelector(b.getAttribute("data-copy"));
      if (el && navigator.clipboard) { navigator.clipboard.writeText(el.textContent.trim()); }
    });
  });
  // <a data-print> prints the page.
  document.querySelectorAll("[data-print]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
