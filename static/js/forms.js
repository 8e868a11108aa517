// After a refused submission, put the keyboard focus on the first field in error (WCAG 3.3.1),
// so that a screen reader announces it with its message.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("form .is-invalid");
  if (invalid) {
    invalid.focus();
  }
});

// A wide table scrolls sideways inside its .table-responsive wrapper on a phone: that scrolling
// region must be reachable and named for keyboard and screen-reader users (WCAG 2.1.1; axe
// scrollable-region-focusable). Only wrappers that actually overflow become a tab stop.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".table-responsive").forEach((region) => {
    if (region.scrollWidth <= region.clientWidth) {
      return;
    }
    region.tabIndex = 0;
    region.setAttribute("role", "region");
    if (!region.hasAttribute("aria-label")) {
      const caption = region.querySelector("caption");
      const heading = document.querySelector("main h1, h1");
      const name = (caption || heading || document.querySelector("title")).textContent.trim();
      region.setAttribute("aria-label", name);
    }
  });
});
