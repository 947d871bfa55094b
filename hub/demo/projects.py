"""Demo projects: what the 发改委 register holds about each (name, category, funding, owner,
district, investment). Registration date, status and project code follow from the project's
filing timeline and are filled in by ``hub.demo.filings``."""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass, field
from datetime import datetime

from hub.demo.names import (
    BRANDS,
    COMPANY_KINDS,
    DISTRICT_WEIGHTS,
    DISTRICTS,
    PLACES,
    credit_code,
)
from hub.entities import Funding, ProjectCategory, ProjectStatus

PROJECT_COUNT = 1780  # valid projects at scale 1


class Activity(enum.Enum):
    """How a project stands at ``as_of``: filings open and recent activity, idle (nothing for
    more than two months), or every filing closed."""

    ACTIVE = "active"
    IDLE = "idle"
    DONE = "done"


# GB/T 4754 industry (II) of the project code per category.
INDUSTRY = {
    ProjectCategory.BUILDING: "47",
    ProjectCategory.MUNICIPAL: "78",
    ProjectCategory.TRANSPORT: "48",
    ProjectCategory.WATER: "76",
    ProjectCategory.OTHER: "44",
}

_CATEGORY_WEIGHTS = {
    ProjectCategory.BUILDING: 55,
    ProjectCategory.MUNICIPAL: 29,
    ProjectCategory.TRANSPORT: 8,
    ProjectCategory.WATER: 6,
    ProjectCategory.OTHER: 2,
}
_GOVERNMENT_SHARE = {
    ProjectCategory.BUILDING: 0.5,
    ProjectCategory.MUNICIPAL: 0.9,
    ProjectCategory.TRANSPORT: 0.8,
    ProjectCategory.WATER: 0.9,
    ProjectCategory.OTHER: 0.3,
}
# Total investment range in 万元 (log-uniform).
_INVESTMENT = {
    (ProjectCategory.BUILDING, Funding.GOVERNMENT): (800, 120_000),
    (ProjectCategory.BUILDING, Funding.SOCIAL): (3_000, 500_000),
    (ProjectCategory.MUNICIPAL, Funding.GOVERNMENT): (300, 80_000),
    (ProjectCategory.MUNICIPAL, Funding.SOCIAL): (500, 30_000),
    (ProjectCategory.TRANSPORT, Funding.GOVERNMENT): (2_000, 600_000),
    (ProjectCategory.TRANSPORT, Funding.SOCIAL): (2_000, 100_000),
    (ProjectCategory.WATER, Funding.GOVERNMENT): (500, 150_000),
    (ProjectCategory.WATER, Funding.SOCIAL): (500, 20_000),
    (ProjectCategory.OTHER, Funding.GOVERNMENT): (200, 20_000),
    (ProjectCategory.OTHER, Funding.SOCIAL): (200, 20_000),
}

# {d} district name, {p} place, {b} brand; government projects name the agency that owns them
# (建设单位; at city level e.g. 建筑工务局 is the 建筑工务署).
_NAMES: dict[tuple[ProjectCategory, Funding], tuple[tuple[str, str], ...]] = {
    (ProjectCategory.BUILDING, Funding.GOVERNMENT): (
        ("{d}{p}学校改扩建工程", "教育局"),
        ("{d}{p}小学新建工程", "建筑工务局"),
        ("{d}{p}中学扩建工程", "教育局"),
        ("{d}{p}幼儿园新建工程", "教育局"),
        ("{d}{p}社区健康服务中心建设工程", "卫生和计划生育局"),
        ("{d}人民医院{p}院区建设工程", "建筑工务局"),
        ("{d}{p}保障性住房项目", "住房和建设局"),
        ("{d}{p}人才住房项目", "住房和建设局"),
        ("{d}{p}文体中心建设工程", "文体旅游局"),
        ("{d}{p}消防站新建工程", "建筑工务局"),
        ("{d}{p}派出所业务技术用房", "建筑工务局"),
        ("{d}{p}街道办事处综合楼", "建筑工务局"),
        ("{d}{p}社区养老服务中心", "民政局"),
        ("{d}{p}图书馆新建工程", "文体旅游局"),
        ("{d}{p}公共服务中心建设工程", "建筑工务局"),
    ),
    (ProjectCategory.BUILDING, Funding.SOCIAL): (
        ("{p}{b}花园", ""),
        ("{p}{b}广场", ""),
        ("{b}{p}科技园", ""),
        ("{d}{p}城市更新单元项目", ""),
        ("{b}总部大厦", ""),
        ("{p}{b}商业中心", ""),
        ("{b}{p}产业园厂房", ""),
        ("{p}{b}酒店", ""),
        ("{b}{p}研发中心", ""),
    ),
    (ProjectCategory.MUNICIPAL, Funding.GOVERNMENT): (
        ("{d}{p}路市政工程", "建筑工务局"),
        ("{d}{p}片区排水管网改造工程", "水务局"),
        ("{d}{p}综合管廊工程", "建筑工务局"),
        ("{d}{p}人行天桥工程", "交通运输局"),
        ("{d}{p}公园建设工程", "城市管理局"),
        ("{d}{p}绿道建设工程", "城市管理局"),
        ("{d}{p}垃圾转运站新建工程", "城市管理局"),
        ("{d}{p}路灯节能改造工程", "城市管理局"),
        ("{d}{p}片区雨污分流工程", "水务局"),
        ("{d}{p}道路改造工程", "建筑工务局"),
    ),
    (ProjectCategory.MUNICIPAL, Funding.SOCIAL): (
        ("{p}{b}配套市政道路工程", ""),
        ("{p}{b}地下停车库工程", ""),
    ),
    (ProjectCategory.TRANSPORT, Funding.GOVERNMENT): (
        ("{d}{p}立交改造工程", "交通运输局"),
        ("{d}{p}公交首末站工程", "交通运输局"),
        ("{d}{p}公共停车场建设工程", "交通运输局"),
        ("{d}{p}大道快速化改造工程", "建筑工务局"),
        ("{d}{p}互通立交工程", "交通运输局"),
        ("城市轨道交通{p}站配套工程", "地铁"),
    ),
    (ProjectCategory.TRANSPORT, Funding.SOCIAL): (
        ("{p}{b}公交场站工程", ""),
        ("{b}{p}物流园道路工程", ""),
    ),
    (ProjectCategory.WATER, Funding.GOVERNMENT): (
        ("{p}河综合整治工程", "水务局"),
        ("{p}水库除险加固工程", "水务局"),
        ("{d}{p}供水管网改造工程", "水务集团"),
        ("{p}污水处理厂提标改造工程", "水务局"),
        ("{d}{p}排涝泵站新建工程", "水务局"),
    ),
    (ProjectCategory.WATER, Funding.SOCIAL): (("{p}{b}自来水厂改造工程", ""),),
    (ProjectCategory.OTHER, Funding.GOVERNMENT): (
        ("{d}{p}电动汽车充电站项目", "发展和改革局"),
        ("{d}{p}应急避难场所建设工程", "建筑工务局"),
    ),
    (ProjectCategory.OTHER, Funding.SOCIAL): (
        ("{p}{b}分布式光伏项目", ""),
        ("{b}{p}数据中心项目", ""),
    ),
}
# State-owned companies that own projects, and the city-level names of district agencies.
_COMPANY_OWNERS = {"地铁": "深圳市地铁集团有限公司", "水务集团": "深圳市水务（集团）有限公司"}
_CITY_NAMES = {
    "建筑工务局": "建筑工务署",
    "发展和改革局": "发展和改革委员会",
    "交通运输局": "交通运输委员会",
    "卫生和计划生育局": "卫生和计划生育委员会",
}
_PHASES = "二三四五六七八九"
_LAND_USES = {
    ProjectCategory.BUILDING: ("R2", "R3", "C1", "M0", "GIC2", "GIC4"),
    ProjectCategory.MUNICIPAL: ("S1", "U1", "G1"),
    ProjectCategory.TRANSPORT: ("S1", "S3", "S4"),
    ProjectCategory.WATER: ("U1", "E1"),
    ProjectCategory.OTHER: ("U9", "M1"),
}


@dataclass(slots=True, eq=False)
class Project:
    index: int
    name: str
    category: ProjectCategory
    funding: Funding
    owner_name: str
    owner_credit_code: str
    district: str
    total_investment: float  # 万元
    activity: Activity
    filing_count: int = 0
    description: str = ""
    land_use: str = ""
    parcel: str = ""
    floor_area: float = 0.0  # m²
    land_area: float = 0.0  # m²
    # Filled in from the filing timeline:
    code: str = ""
    approval_type: str = "01"  # TT of the code: 01 审批, 02 核准, 03 备案
    registered_at: datetime = field(default=datetime(2000, 1, 1))
    status: ProjectStatus = ProjectStatus.PLANNING
    # Its phase reached construction (tendering, contracts): such a project is not idle, even
    # where its status, which follows its permits, is not UNDER_CONSTRUCTION (hub.demo.planted).
    reached_construction: bool = False
    updated_at: datetime = field(default=datetime(2000, 1, 1))
    last_activity: datetime = field(default=datetime(2000, 1, 1))


class _Owners:
    """Owners (建设单位): the government agency a project names, or one of a pool of companies
    reused across projects the way developers own several."""

    def __init__(self, rng: random.Random, projects: int) -> None:
        combos = [f"深圳市{b}{k}有限公司" for b in BRANDS for k in COMPANY_KINDS]
        size = min(len(combos), max(12, projects // 6))
        self.companies = rng.sample(combos, size)
        self.rng = rng
        self._codes: dict[str, str] = {}

    def pick(self, agency: str, district: str) -> tuple[str, str]:
        if not agency:
            name = self.rng.choice(self.companies)
            return name, self._code(name, government=False, division="440300")
        if agency in _COMPANY_OWNERS:
            name = _COMPANY_OWNERS[agency]
            return name, self._code(name, government=False, division="440300")
        if district == "440300":
            name = "深圳市" + _CITY_NAMES.get(agency, agency)
        else:
            name = DISTRICTS[district] + agency
        return name, self._code(name, government=True, division=district)

    def _code(self, name: str, *, government: bool, division: str) -> str:
        if name not in self._codes:
            self._codes[name] = credit_code(name, government=government, division=division)
        return self._codes[name]


def draft_projects(rng: random.Random, count: int) -> list[Project]:
    """``count`` projects with their identity; activity classes in fixed shares."""
    owners = _Owners(rng, count)
    districts = list(DISTRICT_WEIGHTS)
    district_weights = list(DISTRICT_WEIGHTS.values())
    categories = list(_CATEGORY_WEIGHTS)
    category_weights = list(_CATEGORY_WEIGHTS.values())
    used_names: set[str] = set()
    projects: list[Project] = []
    for index in range(count):
        district = rng.choices(districts, district_weights)[0]
        category = rng.choices(categories, category_weights)[0]
        government = rng.random() < _GOVERNMENT_SHARE[category]
        funding = Funding.GOVERNMENT if government else Funding.SOCIAL
        template, agency = rng.choice(_NAMES[(category, funding)])
        name = _unique(_name(rng, template, district), used_names)
        owner, owner_code = owners.pick(agency, district)
        low, high = _INVESTMENT[(category, funding)]
        investment = round(math.exp(rng.uniform(math.log(low), math.log(high))), 2)
        roll = rng.random()
        activity = (
            Activity.ACTIVE if roll < 0.30 else Activity.IDLE if roll < 0.37 else Activity.DONE
        )
        floor_area = round(investment * rng.uniform(1.2, 2.6), 1)
        plot_ratio = round(rng.uniform(0.8, 6.0), 1)
        project = Project(
            index=index,
            name=name,
            category=category,
            funding=funding,
            owner_name=owner,
            owner_credit_code=owner_code,
            district=district,
            total_investment=investment,
            activity=activity,
            land_use=rng.choice(_LAND_USES[category]),
            parcel=f"{rng.choice('ABGHJKT')}{rng.randint(101, 999)}-{rng.randint(1, 999):04d}",
            floor_area=floor_area,
            land_area=round(floor_area / plot_ratio, 1),
        )
        project.description = _description(project)
        projects.append(project)
    return projects


def _name(rng: random.Random, template: str, district: str) -> str:
    district_name = "深圳市" if district == "440300" else DISTRICTS[district]
    return template.format(d=district_name, p=rng.choice(PLACES[district]), b=rng.choice(BRANDS))


def _unique(name: str, used: set[str]) -> str:
    candidate = name
    for phase in _PHASES:
        if candidate not in used:
            break
        candidate = f"{name}（{phase}期）"
    number = 10
    while candidate in used:
        candidate = f"{name}（{number}期）"
        number += 1
    used.add(candidate)
    return candidate


def _description(project: Project) -> str:
    if project.category is ProjectCategory.BUILDING:
        return f"总建筑面积约{project.floor_area:,.0f}平方米"
    if project.category in (ProjectCategory.MUNICIPAL, ProjectCategory.TRANSPORT):
        return f"建设长度约{project.floor_area / 20:,.0f}米"
    return f"占地面积约{project.land_area:,.0f}平方米"
