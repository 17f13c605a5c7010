"""Sheet and column names of the import workbook (SPEC §7), shared by the import, the export and the template."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the record field it fills, its Chinese header, its English header, whether it is required."""

    field: str
    header: str
    english: str
    required: bool = False


UNITS_SHEET = "单位"
PEOPLE_SHEET = "人员"
CASES_SHEET = "案件"

UNIT_COLUMNS = (
    Column("name", "单位名称", "unit_name", required=True),
    Column("leader_name", "主要领导", "leader_name"),
    Column("target", "清收目标(元)", "target"),
)
PERSON_COLUMNS = (
    Column("name", "姓名", "name", required=True),
    Column("employee_no", "工号", "employee_no", required=True),
    Column("unit", "所属单位", "unit"),
    Column("role", "角色", "role", required=True),
    Column("mobile", "手机号", "mobile"),
)
CASE_COLUMNS = (
    Column("loan_no", "贷款编号", "loan_no", required=True),
    Column("borrower", "借款人", "borrower", required=True),
    Column("id_number", "证件号码", "id_number"),
    Column("phone", "联系电话", "phone"),
    Column("unit", "所属单位", "unit", required=True),
    Column("officer_no", "责任人工号", "officer_no", required=True),
    Column("principal", "贷款余额(元)", "principal", required=True),
    Column("interest", "欠息(元)", "interest"),
    Column("classification", "五级分类", "classification", required=True),
    Column("difficulty", "难易程度", "difficulty"),
    Column("deadline", "收回时限", "deadline"),
    Column("plan", "清收方案", "plan"),
    Column("statute_date", "诉讼时效到期日", "statute_date"),
)
SHEETS = {UNITS_SHEET: UNIT_COLUMNS, PEOPLE_SHEET: PERSON_COLUMNS, CASES_SHEET: CASE_COLUMNS}

# Columns the export adds to the cases sheet; the import ignores them.
CASE_EXTRA_HEADERS = ("状态", "剩余余额(元)")

ROLE_NAMES = {"清收责任人": "officer", "单位负责人": "unit_lead", "专班领导": "leader", "专班联络员": "admin"}
ROLE_LABELS = {value: label for label, value in ROLE_NAMES.items()}


def header_of(columns: tuple[Column, ...], field: str) -> str:
    """The Chinese header of a record field."""
    return next(c.header for c in columns if c.field == field)
