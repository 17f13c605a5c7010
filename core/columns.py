"""Sheet and column names of the import workbook (SPEC §7), shared by the import, the export and the template.

The workbook speaks Chinese whatever the language of the bot (its sheets and headers are the file format), so
the notes that explain its columns to the clerk live here beside the headers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the record field it fills, its headers, whether it is required, and how to fill it in."""

    field: str
    header: str
    english: str
    required: bool = False
    note: str = ""  # the format and allowed values, for the template's header comment and instructions
    as_text: bool = False  # numbers typed here must stay text (numbers, IDs, phones): the template says so
    # The most characters the ledger keeps for this text: the length of its column in the database, which
    # PostgreSQL enforces and SQLite does not (a test holds these equal to store/models.py).
    max_length: int | None = None


UNITS_SHEET = "单位"
PEOPLE_SHEET = "人员"
CASES_SHEET = "案件"
GUIDE_SHEET = "填写说明"

AMOUNT_NOTE = "金额，单位元：可填数字（120000、120,000.50），也可填 12万、3.5万元、两万五、壹万贰仟元整"
DATE_NOTE = "日期：Excel 日期，或 2026-12-31、2026/12/31、2026年12月31日、2026.12.31"

UNIT_COLUMNS = (
    Column(
        "name", "单位名称", "unit_name", required=True, note="文本；每个单位一行，不可重复", max_length=100
    ),
    Column("leader_name", "主要领导", "leader_name", note="文本", max_length=50),
    Column("target", "清收目标(元)", "target", note=f"{AMOUNT_NOTE}。空则为该单位全部案件贷款余额之和"),
)
PERSON_COLUMNS = (
    Column("name", "姓名", "name", required=True, note="文本", max_length=50),
    Column(
        "employee_no",
        "工号",
        "employee_no",
        required=True,
        note="文本，不可重复；案件表的“责任人工号”填这里的工号",
        as_text=True,
        max_length=30,
    ),
    Column(
        "unit",
        "所属单位",
        "unit",
        note="清收责任人、单位负责人必填，须是“单位”表或台账中已有的单位；专班领导、专班联络员可空",
        max_length=100,
    ),
    Column(
        "role",
        "角色",
        "role",
        required=True,
        note="下拉选择：清收责任人、单位负责人、专班领导、专班联络员",
    ),
    Column("mobile", "手机号", "mobile", note="文本", as_text=True, max_length=30),
    Column(
        "target",
        "清收目标(元)",
        "target",
        note=f"{AMOUNT_NOTE}。仅清收责任人填写，可空；空则按其所持贷款余额占本单位的比例分得单位目标",
    ),
)
# 五级分类, on 案件 and on 在贷 alike.
_CLASSIFICATION = Column(
    "classification",
    "五级分类",
    "classification",
    required=True,
    note="下拉选择：正常、关注、次级、可疑、损失",
)
CASE_COLUMNS = (
    Column(
        "loan_no", "贷款编号", "loan_no", required=True, note="文本，不可重复", as_text=True, max_length=40
    ),
    Column("borrower", "借款人", "borrower", required=True, note="文本", max_length=100),
    Column("id_number", "证件号码", "id_number", note="文本（18 位身份证号等）", as_text=True, max_length=30),
    Column("phone", "联系电话", "phone", note="文本", as_text=True, max_length=30),
    Column(
        "unit",
        "所属单位",
        "unit",
        required=True,
        note="须是“单位”表或台账中已有的单位",
        max_length=100,
    ),
    Column(
        "officer_no",
        "责任人工号",
        "officer_no",
        required=True,
        note="文本；须是“人员”表或台账中本单位人员的工号",
        as_text=True,
        max_length=30,
    ),
    Column("principal", "贷款余额(元)", "principal", required=True, note=f"{AMOUNT_NOTE}；须大于零"),
    Column("interest", "欠息(元)", "interest", note=f"{AMOUNT_NOTE}。空则为 0"),
    _CLASSIFICATION,
    Column("difficulty", "难易程度", "difficulty", note="下拉选择：易、中、难。空则为“中”"),
    Column("deadline", "收回时限", "deadline", note=f"{DATE_NOTE}。空则为专班结束日"),
    Column("plan", "清收方案", "plan", note="文本"),
    Column("statute_date", "诉讼时效到期日", "statute_date", note=DATE_NOTE),
)
SHEETS = {UNITS_SHEET: UNIT_COLUMNS, PEOPLE_SHEET: PERSON_COLUMNS, CASES_SHEET: CASE_COLUMNS}

# The optional sheets (SPEC §7): what was under way before the campaign, imported and exported the same way.
LAWSUITS_SHEET = "诉讼"
LAWSUIT_COLUMNS = (
    Column(
        "loan_no",
        "贷款编号",
        "loan_no",
        required=True,
        note="文本；须是“案件”表或台账中已有的贷款编号",
        as_text=True,
        max_length=40,
    ),
    Column(
        "stage",
        "阶段",
        "stage",
        required=True,
        note="立案、开庭、判决、调解、申请执行、终本、恢复执行、执行完毕、和解、撤诉；每个到达的阶段一行，按日期先后",
    ),
    Column("reached_on", "日期", "reached_on", required=True, note=DATE_NOTE),
    Column("court", "法院", "court", note="文本", max_length=100),
    Column("case_number", "案号", "case_number", note="文本，例如（2026）晋0702民初123号", max_length=60),
    Column("note", "备注", "note", note="文本；查封、冻结写明财产（房产、存款、车辆等），以便提醒续行"),
)
ASSETS_SHEET = "抵债资产"
ASSET_COLUMNS = (
    Column(
        "number",
        "资产编号",
        "asset_no",
        required=True,
        note="文本，例如 ZC2026-0001；每项资产一行，不可重复",
        as_text=True,
        max_length=20,
    ),
    Column(
        "loan_no",
        "贷款编号",
        "loan_no",
        required=True,
        note="文本；该资产抵偿的贷款，须是“案件”表或台账中已有的贷款编号",
        as_text=True,
        max_length=40,
    ),
    Column("kind", "类别", "kind", required=True, note="不动产、股权、动产、其他"),
    Column("name", "名称", "name", required=True, note="文本", max_length=200),
    Column("title_no", "权证号", "title_no", note="文本", as_text=True, max_length=100),
    Column("offset", "抵债金额(元)", "offset_amount", required=True, note=AMOUNT_NOTE),
    Column("received_on", "接收日期", "received_on", required=True, note=DATE_NOTE),
    Column("appraisal", "评估价值(元)", "appraisal", note=f"{AMOUNT_NOTE}；已评估、挂牌中、已处置的资产必填"),
    Column("appraiser", "评估机构", "appraiser", note="文本", max_length=200),
    Column("appraised_on", "评估日期", "appraised_on", note=f"{DATE_NOTE}。空则为接收日期"),
    Column("state", "状态", "state", required=True, note="已接收、已评估、挂牌中、出租中、已处置"),
    Column(
        "custodian_no",
        "保管人工号",
        "custodian_no",
        note="文本；空则为该贷款的责任人",
        as_text=True,
        max_length=30,
    ),
)
# New loans (SPEC §10, 三): each with its responsible person, watched for early warnings.
LOANS_SHEET = "在贷"
LOAN_COLUMNS = (
    Column(
        "loan_no",
        "贷款编号",
        "loan_no",
        required=True,
        note="文本；每笔贷款一行，不可重复",
        as_text=True,
        max_length=40,
    ),
    Column("borrower", "借款人", "borrower", required=True, note="文本", max_length=100),
    Column(
        "id_number",
        "证件号码",
        "id_number",
        note="文本（18 位身份证号请设为文本格式）",
        as_text=True,
        max_length=30,
    ),
    Column("unit", "所属单位", "unit", required=True, note="须是“单位”表或台账中已有的单位"),
    Column(
        "officer_no",
        "责任人工号",
        "officer_no",
        required=True,
        note="文本；须是该单位的清收责任人或单位负责人（逐笔落实责任人）",
        as_text=True,
        max_length=30,
    ),
    Column("amount", "贷款金额(元)", "amount", required=True, note=AMOUNT_NOTE),
    Column("balance", "贷款余额(元)", "balance", required=True, note=f"{AMOUNT_NOTE}；已结清填 0"),
    Column("disbursed_on", "发放日期", "disbursed_on", required=True, note=DATE_NOTE),
    Column("matures_on", "到期日期", "matures_on", required=True, note=f"{DATE_NOTE}；不得早于发放日期"),
    Column("days_overdue", "逾期天数", "days_overdue", note="整数，截至导入之日；空则为 0"),
    _CLASSIFICATION,
)
OPTIONAL_SHEETS = {LAWSUITS_SHEET: LAWSUIT_COLUMNS, ASSETS_SHEET: ASSET_COLUMNS, LOANS_SHEET: LOAN_COLUMNS}
READ_SHEETS = {**SHEETS, **OPTIONAL_SHEETS}
COLUMNS_OF_ENTITY = {
    "unit": UNIT_COLUMNS,
    "person": PERSON_COLUMNS,
    "case": CASE_COLUMNS,
    "loan": LOAN_COLUMNS,
}
AMOUNT_FIELDS = frozenset({"target", "principal", "interest", "amount", "balance"})
DATE_FIELDS = frozenset({"deadline", "statute_date"})

# Columns the export adds to the cases sheet; the import ignores them.
CASE_EXTRA_HEADERS = ("状态", "剩余余额(元)")

ROLE_NAMES = {"清收责任人": "officer", "单位负责人": "unit_lead", "专班领导": "leader", "专班联络员": "admin"}
ROLE_LABELS = {value: label for label, value in ROLE_NAMES.items()}

# The template's one example row per sheet, in column order. The import skips a row equal to it (the case's
# 收回时限 aside, which the template fills with the campaign's end), so a forgotten example never lands in the
# ledger. Its unit is plainly an example: real rows must never look like it (a real 城关信用社 led by 王建国
# with a target of 500万 would have been skipped).
EXAMPLE_DEADLINE_FIELD = "deadline"
EXAMPLE_UNIT = "示例信用社"
EXAMPLE_ROWS: dict[str, list[object]] = {
    UNITS_SHEET: [EXAMPLE_UNIT, "王建国", 5_000_000],
    PEOPLE_SHEET: ["李明", "E0001", EXAMPLE_UNIT, "清收责任人", "13800001234", 1_000_000],
    CASES_SHEET: [
        "L2023000001",
        "张三",
        "330102198001011234",
        "13912345678",
        EXAMPLE_UNIT,
        "E0001",
        "12万",
        "3,456.78",
        "可疑",
        "中",
        None,  # the campaign end, filled in by the template
        "上门催收，协商分期还款",
        None,
    ],
    ASSETS_SHEET: [
        "ZC2025-0001",
        "L2023000001",
        "不动产",
        "示例小区住宅",
        "",
        "50万",
        "2025-06-01",
        "60万",
        "示例评估公司",
        "2025-07-01",
        "已评估",
        "E0001",
    ],
    LOANS_SHEET: [
        "D2026000001",
        "赵六",
        "330102198505051234",
        EXAMPLE_UNIT,
        "E0001",
        "50万",
        "45万",
        "2026-03-15",
        "2027-03-14",
        0,
        "正常",
    ],
    LAWSUITS_SHEET: [
        "L2023000001",
        "立案",
        "2026-03-02",
        "晋中市榆次区人民法院",
        "（2026）晋0702民初123号",
        "示例",
    ],
}

# The instructions sheet: what holds for every sheet, then each sheet's columns (from the notes above).
GUIDE_TITLE = "清收台账导入模板 · 填写说明"
GUIDE_SHEET_TITLE = "工作表“{sheet}”"
GUIDE_HEADERS = ("列名", "必填", "填写要求")
REQUIRED_MARK = "必填"
GUIDE_NOTES = (
    "1. 依次填写“单位”“人员”“案件”三个工作表；专班开始前已在进行的诉讼可填“诉讼”工作表（每个已到达的阶段一行），"
    "已接收的抵债资产可填“抵债资产”工作表（每项资产一行），新发放的贷款可填“在贷”工作表（每笔贷款一行，逐笔落实责任人，"
    "每月导入一次以更新余额、逾期天数和五级分类），三表均可不填。"
    "表头（第 1 行）不要改动，列的顺序可以调整。",
    "2. 红色粗体表头为必填列，其余可空；把鼠标停在表头上可看到该列的填写要求。",
    "3. 每个工作表第 2 行是示例行：未改动的示例行导入时自动跳过，改动过的会当作真实数据导入；可直接删除，也可在其下方填写。",
    "4. 贷款编号、工号、证件号码、电话列已设为“文本”格式。Excel 中数字只保留 15 位有效数字，"
    "18 位证件号码若按数字填写会丢失末尾数字，导入时将被拒绝；从其他表格粘贴时请先把原表该列设为“文本”。",
    f"5. {AMOUNT_NOTE}。",
    f"6. {DATE_NOTE}。",
    "7. 清收目标为空，则为该单位全部案件贷款余额之和；收回时限为空，则为专班结束日（{deadline}）。",
    "8. 导入是“全部或全不”：有任何一处错误都不写入，并列出每处错误所在的工作表、行和列；"
    "再次导入同一文件不会重复写入，导入修改后的文件只更新有变化的内容并留痕。",
)


def header_of(columns: tuple[Column, ...], field: str) -> str:
    """The Chinese header of a record field."""
    return next(c.header for c in columns if c.field == field)
