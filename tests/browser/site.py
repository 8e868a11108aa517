"""What every journey does with the browser: the language, sign-in, navigation, checks, screenshots."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.support import NullTranslations, Translations
from playwright.sync_api import Page, expect

from tests.helpers import TEST_PASSWORD

DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
TRANSLATIONS = Path(__file__).resolve().parents[2] / "marketplace" / "translations"
BABEL_LOCALES = {"zh_CN": "zh_Hans_CN", "en": "en"}
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}  # as the switcher names them
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
CNY = {"zh_CN": "¥", "en": "CN¥"}  # CLDR's symbol in each language
SHORT = {"zh_CN": "zh", "en": "en"}  # in screenshot names
FAILING_IMPACTS = ("serious", "critical")
_AXE = Axe()
# When the page is wider than the window: its width and the deepest elements past the right edge.
_PAST_THE_EDGE = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= window.innerWidth) return [];
  const past = (e) => e.getBoundingClientRect().right > window.innerWidth + 1;
  const deepest = [...document.querySelectorAll("body *")].filter((e) => past(e) && ![...e.children].some(past));
  return [`${width} px wide`, ...deepest.slice(0, 5).map((e) => e.tagName.toLowerCase() + "." + e.className)];
}"""


@functools.cache
def catalogue(lang: str) -> Translations:
    """The app's compiled catalogue for a language (`make translations` builds it)."""
    found = Translations.load(str(TRANSLATIONS), [BABEL_LOCALES[lang]])
    if lang != "en" and type(found) is NullTranslations:
        raise RuntimeError(f"no compiled catalogue for {lang} under {TRANSLATIONS}: run make translations")
    return found


def translate(lang: str, msgid: str, context: str | None = None, **values) -> str:
    """`msgid` as the app shows it in `lang` (Flask-Babel's gettext / pgettext, then % values)."""
    text = catalogue(lang).pgettext(context, msgid) if context else catalogue(lang).gettext(msgid)
    return text % values if values else text


def violations_message(url: str, violations: list[dict]) -> str:
    """A failure message naming each serious or critical axe violation: rule, impact, elements."""
    lines = [f"accessibility violations on {url}:"]
    for violation in violations:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(f"  {violation['id']} ({violation['impact']}): {targets} — {violation['help']}")
    return "\n".join(lines)


class Site:
    """One journey's browser tab: acts as a user would and checks every page it reaches."""

    def __init__(self, page: Page, base_url: str, lang: str, viewport: dict, screenshots: str = ""):
        self.page = page
        self.base_url = base_url
        self.lang = lang
        self.mobile = viewport["width"] < 576  # Bootstrap's small breakpoint: the menu collapses
        self.screenshots = Path(screenshots) if screenshots else None
        self._loads: list[str] = []
        self._checked: set[int] = set()
        page.on("load", lambda loaded: self._loads.append(loaded.url))

    # Language ---------------------------------------------------------------------------------

    def t(self, msgid: str, **values) -> str:
        """The app's text for `msgid` in the journey's language."""
        return translate(self.lang, msgid, **values)

    def pt(self, context: str, msgid: str, **values) -> str:
        """pgettext: the app's text for `msgid` in `context`."""
        return translate(self.lang, msgid, context, **values)

    def t_re(self, msgid: str, **values) -> re.Pattern:
        """A pattern of the translated text: named values given are literal, the others any text."""
        text = translate(self.lang, msgid)
        parts = re.split(r"(%\(\w+\)s)", text)
        pattern = "".join(
            (re.escape(str(values[part[2:-2]])) if part[2:-2] in values else ".+?")
            if re.fullmatch(r"%\(\w+\)s", part)
            else re.escape(part)
            for part in parts
        )
        return re.compile(pattern)

    def money(self, yuan: int | str | Decimal) -> str:
        """An amount as the pages show it: "¥1,234.50" in Chinese, "CN¥1,234.50" in English."""
        amount = Decimal(str(yuan))
        sign = "-" if amount < 0 else ""
        return f"{sign}{CNY[self.lang]}{abs(amount):,.2f}"

    # Moving around ----------------------------------------------------------------------------

    def start(self, path: str = "/", screenshot: str | None = None) -> None:
        """Open a page as a visitor (Chinese, the default), then switch to the journey's language."""
        self.page.goto(self.base_url + path)
        expect(self.page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(self.navbar().locator("#language-menu")).to_have_text("简体中文")
        if self.lang == "zh_CN":
            self.check(screenshot)
        else:
            self.check()
            self.switch_language(self.lang, screenshot)

    def navbar(self):
        """The main navigation, opened first on a narrow screen (where it collapses)."""
        menu = self.page.locator("#mainnav")
        if self.mobile and not menu.is_visible():
            # Named in the page's language, which before a switch is not the journey's.
            self.page.get_by_role("button", name=translate(self.shown_language(), "Menu")).click()
            expect(menu).to_be_visible()
        return menu

    def nav(self, label: str) -> None:
        """Follow a link of the main navigation."""
        self.navbar().get_by_role("link", name=label, exact=True).click()

    def switch_language(self, lang: str, screenshot: str | None = None) -> None:
        """Choose a language in the switcher; the page comes back in it."""
        menu = self.navbar()
        menu.locator("#language-menu").click()
        menu.get_by_role("button", name=LANGUAGE_NAMES[lang]).click()
        self.lang = lang
        expect(self.page.locator("html")).to_have_attribute("lang", HTML_LANG[lang])
        expect(menu.locator("#language-menu")).to_have_text(LANGUAGE_NAMES[lang])
        self.check(screenshot)

    def sign_in(self, email: str, password: str = TEST_PASSWORD) -> None:
        """Sign in through the form (the account's saved language applies), in the journey's
        language when the account reads another."""
        wanted = self.lang
        self.nav(self.t("Sign in"))
        expect(self.page.get_by_role("heading", name=self.t("Sign in"))).to_be_visible()
        self.check()
        self.page.get_by_label(self.t("Email")).fill(email)
        self.page.get_by_label(self.t("Password"), exact=True).fill(password)
        self.page.get_by_role("button", name=self.t("Sign in")).click()
        self.page.wait_for_url(lambda url: "/login" not in url)
        shown = self.shown_language()
        self.lang = shown
        expect(self.flash()).to_have_text(self.t_re("Welcome back, %(name)s."))
        self.check()
        if shown != wanted:
            self.switch_language(wanted)

    def sign_out(self) -> None:
        """Sign out through the account menu."""
        menu = self.navbar()
        menu.locator("#account-menu").click()
        menu.get_by_role("button", name=self.t("Sign out")).click()
        self.page.wait_for_url("**/login")
        # The sign-in page's language: a visitor's session may have lost the one chosen before
        # signing in (see test_language_journey's expected failure).
        self.lang = self.shown_language()
        expect(self.flash("info")).to_have_text(self.t("You have signed out."))
        expect(self.heading(self.t("Sign in"))).to_be_visible()
        self.check()

    def shown_language(self) -> str:
        """The language of the page shown ("zh_CN" or "en"), read from <html lang>."""
        return "zh_CN" if self.page.locator("html").get_attribute("lang") == "zh-CN" else "en"

    def flash(self, kind: str = "success"):
        """The flashed message of a kind (success, info, warning, danger)."""
        return self.page.locator(f"main .alert-{kind}")

    def heading(self, text: str | re.Pattern):
        """The page's main heading."""
        return self.page.get_by_role("heading", level=1, name=text)

    # Checks -----------------------------------------------------------------------------------

    def check(self, screenshot: str | None = None, scroll_to=None, only_in: str | None = None) -> None:
        """Run axe-core on the page shown (serious and critical violations fail; on a phone, so does
        a page that scrolls sideways); with SCREENSHOTS
        set, save it as `screenshot`-<zh|en>[-mobile].png (scrolled to `scroll_to` first; in the
        language `only_in` only, when given, to keep the screenshots few)."""
        self.page.wait_for_load_state("load")
        if self.mobile:
            beyond = self.page.evaluate(_PAST_THE_EDGE)
            assert not beyond, f"{self.page.url} scrolls sideways on a phone; past the edge: {beyond}"
        results = _AXE.run(self.page)
        failing = [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not failing, violations_message(self.page.url, failing)
        self._checked.add(len(self._loads) - 1)
        if screenshot and self.screenshots is not None and only_in in (None, self.lang):
            if scroll_to is not None:
                scroll_to.scroll_into_view_if_needed()
            suffix = "-mobile" if self.mobile else ""
            self.screenshots.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=self.screenshots / f"{screenshot}-{SHORT[self.lang]}{suffix}.png")

    def assert_every_page_checked(self) -> None:
        """Every page the journey loaded was checked (so no page escapes the accessibility check)."""
        unchecked = [url for index, url in enumerate(self._loads) if index not in self._checked]
        assert not unchecked, f"pages loaded but never checked with site.check(): {unchecked}"
