// Console behaviour without inline script (the CSP forbids it).
document.addEventListener("submit", (event) => {
  // <form data-confirm="..."> asks before a destructive or important action.
  const form = event.target;
  const message = form.dataset && form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
