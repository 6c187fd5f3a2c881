// Console behaviour without inline script (the CSP forbids it).
document.addEventListener("submit", (event) => {
  // <form data-confirm="..."> asks before a destructive or important action.
  const form = event.target;
  const message = form.dataset && form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// <form data-disable-on-submit> is sent once: a second press (or Enter) while
// the first submission is under way does nothing. The buttons are disabled
// just after the submit event, not during it: a button disabled before the
// browser reads the form would leave its own name and value out.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !form.hasAttribute("data-disable-on-submit")) {
    return;
  }
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "true";
  window.setTimeout(() => {
    form.querySelectorAll("button[type=submit]:not([disabled])").forEach((button) => {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      button.dataset.disabledOnSubmit = "true";
    });
  }, 0);
});

// Back on a page from the browser's back/forward cache: its forms can be sent again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) {
    return;
  }
  document.querySelectorAll("form[data-submitted]").forEach((form) => {
    delete form.dataset.submitted;
    form.querySelectorAll("button[data-disabled-on-submit]").forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
      delete button.dataset.disabledOnSubmit;
    });
  });
});
