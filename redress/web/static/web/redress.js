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
