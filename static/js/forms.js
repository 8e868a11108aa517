// After a refused submission, put the keyboard focus on the first field in error (WCAG 3.3.1),
// so that a screen reader announces it with its message.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("form .is-invalid");
  if (invalid) {
    invalid.focus();
  }
});
