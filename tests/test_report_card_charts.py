"""The report card's charts on the page: in the reader's language, accessible, script-free."""

import re

from tests.app_helpers import ready_sme, submitted
from tests.helpers import login, make_user


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_chinese_regulator_reads_the_charts_in_chinese(app, users):
    make_user("regulator", "zh-charts@example.com", locale="zh_CN")
    web = app.test_client()
    login(web, "zh-charts@example.com")
    page = web.get("/regulator/model").get_data(as_text=True)
    assert "信用模型报告" in page
    main = main_of(page)
    assert main.count('role="img"') == 2  # calibration and scores; no live data, no drift chart
    assert ">预测与实际违约率（十分位）</title>" in main and ">评分分布（样本外预测）</title>" in main
    for text in ("预测违约概率", "实际违约率", "完美校准", "本模型", "评分", "训练样本企业数"):
        assert f">{text}</text>" in main, text
    assert "predicted PD" not in main and "perfect calibration" not in main
    assert "<script" not in main and "<style" not in main and "style=" not in main
    assert "Noto Sans CJK SC" in main


def test_an_english_reader_sees_the_drift_chart_with_its_axis_titles(app, client, users):
    submitted(ready_sme(client))
    web = app.test_client()
    login(web, "fund_manager@example.com")
    main = main_of(web.get("/fund/model").get_data(as_text=True))
    assert main.count('role="img"') == 3
    assert ">PSI, top features</title>" in main and ">Feature</text>" in main
    assert ">perfect calibration</text>" in main and ">predicted PD</text>" in main
    drift = main.split(">PSI, top features</title>", 1)[1].split("</svg>", 1)[0]
    assert 1 <= drift.count('<g class="bar">') <= 12
    assert re.search(r"<title>Attr\d+: [\d.e-]+</title>", drift)  # each bar's tooltip
