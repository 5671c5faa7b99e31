// Registration form: show the representative's fields only when "a representative" is chosen.
// Without JavaScript every field stays visible and the server checks what is needed.
(function () {
  "use strict";
  var fields = document.getElementById("representative-fields");
  var radios = document.querySelectorAll('input[name="who"]');
  if (!fields || !radios.length) {
    return;
  }
  function update() {
    var checked = document.querySelector('input[name="who"]:checked');
    var show = checked && checked.value === "representative";
    fields.hidden = !show;
    fields.querySelectorAll("input, select").forEach(function (input) {
      input.disabled = !show;
    });
  }
  radios.forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
