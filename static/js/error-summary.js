// After a failed submit, move the focus to the error summary so that keyboard and screen
// reader users start where the problems are listed (the summary has tabindex="-1").
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
