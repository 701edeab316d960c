// The release switcher: choosing a release opens the same page in it (the form works without this).
(function () {
  var select = document.getElementById("release-switch");
  if (!select) return;
  var button = select.form.querySelector("button");
  if (button) button.hidden = true;
  select.addEventListener("change", function () { select.form.submit(); });
})();
