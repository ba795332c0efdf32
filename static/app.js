// The app's only script beside htmx (the Content-Security-Policy allows no inline code).
// A button with data-print prints the page: receipts, labels, agreements, certificates.
// Without this script it could do nothing: the stylesheet shows it only under html.js.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// The desk's scan fields (data-scan): a USB scanner types a tag and Enter into whatever has the
// focus. When htmx swaps in a verdict (the basket, the check-in), the server draws the field
// empty with autofocus; give it the focus again, whatever was clicked before.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.target;
  var swapped = target && target.id ? document.getElementById(target.id) : null;
  var field = swapped && swapped.querySelector("[data-scan][autofocus]");
  if (field) {
    field.focus();
  }
});
