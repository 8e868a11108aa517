"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters: registration authority (1), entity type (2), administrative division code
(3-8, digits), organisation code (9-17) and a check character (18) computed over the first 17
with the standard's weights modulo 31.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.domain_errors import N_

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table 1: no I, O, S, V, Z
VALUES = {char: value for value, char in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

# Registration authority (position 1) -> allowed entity types (position 2): GB 32100-2015
# appendix A, with the authorities added by later notices of the national code centre.
ENTITY_TYPES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 编办管理的群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委, 其他
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 市场监管(工商): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业农村: 集体经济组织
    "Y": "1",  # 其他
}

MSG_REQUIRED = N_("Enter the unified social credit code.")
MSG_LENGTH = N_("A unified social credit code has exactly 18 characters.")
MSG_LOWER_CASE = N_(
    "Letters in a unified social credit code are capitals; lower-case letters are not allowed."
)
MSG_CHARSET = N_(
    "Only digits and the capital letters A-Y without I, O, S, V and Z may appear in a unified "
    "social credit code."
)
MSG_AUTHORITY = N_("The first character (registration authority) is not a known authority code.")
MSG_ENTITY_TYPE = N_(
    "The second character (entity type) is not valid for the registration authority in the first."
)
MSG_DIVISION = N_("Characters 3 to 8 (administrative division code) must be digits.")
MSG_CHECK = N_(
    "The check character (the 18th) does not match the first 17 characters: the code has a typing mistake."
)


@dataclass(frozen=True)
class UsccProblem:
    """The first rule a code breaks: a stable `rule` name and an English `message`."""

    rule: str
    message: str


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for 17 valid characters."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str | None) -> UsccProblem | None:
    """None when `code` is a valid USCC, else the first rule it breaks (checked in order)."""
    if not code:
        return UsccProblem("required", MSG_REQUIRED)
    if len(code) != LENGTH:
        return UsccProblem("length", MSG_LENGTH)
    if any(char.islower() for char in code):
        return UsccProblem("lower_case", MSG_LOWER_CASE)
    if any(char not in VALUES for char in code):
        return UsccProblem("charset", MSG_CHARSET)
    if code[0] not in ENTITY_TYPES:
        return UsccProblem("authority", MSG_AUTHORITY)
    if code[1] not in ENTITY_TYPES[code[0]]:
        return UsccProblem("entity_type", MSG_ENTITY_TYPE)
    if not code[2:8].isdigit():
        return UsccProblem("division", MSG_DIVISION)
    if code[17] != check_character(code[:17]):
        return UsccProblem("check", MSG_CHECK)
    return None


def is_valid_uscc(code: str | None) -> bool:
    """True when `code` passes every GB 32100-2015 rule checked here."""
    return uscc_problem(code) is None
