// The app's only script beside htmx (the Content-Security-Policy allows no inline code).
// A button with data-print prints the page: receipts, labels, agreements, certificates.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
