// The API keys tab: a Copy button for the key shown once (no inline script: CSP).
// Without JavaScript the button stays hidden and the key can be selected by hand.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy-target]").forEach((button) => {
    const field = document.querySelector(button.dataset.copyTarget);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = button.dataset.copiedLabel || "Copied";  // the page's language
      } catch (error) {
        // No clipboard access (an http page, a denied permission): the key is
        // selected, so the person can copy it with the keyboard.
        button.textContent = button.dataset.copyHint || "Press Ctrl+C to copy";
      }
    });
  });
});
