// A second tap on "Register" while the first is on its way must not send the form twice.
// (The server also guards this with the form's one-time key.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
});

// The transfer form: once a receiving unit is chosen, offer only its staff as handler.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.matches("select[data-narrows]")) return;
  const target = document.getElementById(select.dataset.narrows);
  if (!target) return;
  const path = select.selectedOptions[0]?.dataset.unitPath || "";
  for (const option of target.options) {
    const own = option.dataset.unitPath;
    option.hidden = Boolean(path && own !== undefined && !own.startsWith(path));
  }
  if (target.selectedOptions[0]?.hidden) target.value = "";
});
