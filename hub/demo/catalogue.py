"""The 16 departments and the 215-matter catalogue (事项目录) of the Shenzhen 2014 seed system.

Each department runs on one source system: four have their own business system (发改委, 规划国土委,
住建局, 人居环境委), the other twelve handle their matters on the shared 协同审批平台. Matters are
written out by hand for the main approvals; the catalogue is filled to 215 with the variants
departments really list (变更, 延续, 补办, ...), which inherit the stage and prerequisites.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.demo.names import credit_code
from hub.entities import Funding, ProjectCategory, Stage, TimeLimitClass

DEPARTMENT_COUNT = 16
MATTER_COUNT = 215

PLATFORM = "platform"
OWN_SYSTEMS = ("fgw", "ghj", "zjj", "rjw")  # department code, lower case = its source name


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    short_name: str
    credit_code: str
    system: str  # the source that holds its filings
    doc_abbr: str  # 发文/发证 abbreviation in document numbers, e.g. 深规
    divisions: tuple[str, ...]  # 内设处室 that handle, review and decide
    updated_at: datetime

    @property
    def window(self) -> str:
        """Where applications are received and accepted (受理窗口)."""
        return f"{self.short_name}行政服务窗口"


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    department_code: str
    stage: Stage
    time_limit_class: TimeLimitClass
    time_limit_days: int
    prerequisites: tuple[str, ...]  # matter codes, all of earlier stages
    document_type: str
    doc_code: str  # 许 / 批 / 备 / 验 / 审, the kind in the document number
    materials: tuple[str, ...]
    weight: float  # how often projects file it
    funding: Funding | None  # only for government- or social-funded projects
    categories: tuple[ProjectCategory, ...]  # only for these categories (empty: any)
    updated_at: datetime

    @property
    def stage_rank(self) -> float:
        """Order of stages on a project's path; parallel matters run alongside stage 2."""
        return _STAGE_RANK[self.stage]


_STAGE_RANK = {
    Stage.LAND_PLANNING: 1.0,
    Stage.ENGINEERING_PERMIT: 2.0,
    Stage.PARALLEL: 2.5,
    Stage.CONSTRUCTION_PERMIT: 3.0,
    Stage.COMPLETION_ACCEPTANCE: 4.0,
}

_STAGES = {
    1: Stage.LAND_PLANNING,
    2: Stage.ENGINEERING_PERMIT,
    3: Stage.CONSTRUCTION_PERMIT,
    4: Stage.COMPLETION_ACCEPTANCE,
    5: Stage.PARALLEL,
}
_CLASSES = {
    "I": TimeLimitClass.IMMEDIATE,
    "O": TimeLimitClass.ORDINARY,
    "C": TimeLimitClass.COMPLEX,
}
_CATEGORIES = {
    "B": ProjectCategory.BUILDING,
    "M": ProjectCategory.MUNICIPAL,
    "T": ProjectCategory.TRANSPORT,
    "W": ProjectCategory.WATER,
    "O": ProjectCategory.OTHER,
}

# code, name, short name, system, document abbreviation, divisions, number of matters
_DEPARTMENTS: tuple[tuple[str, str, str, str, str, tuple[str, ...], int], ...] = (
    (
        "FGW",
        "深圳市发展和改革委员会",
        "发改委",
        "fgw",
        "深发改",
        ("固定资产投资处", "基础产业处", "社会发展处", "资源节约和环境保护处", "重大项目办"),
        16,
    ),
    (
        "GHJ",
        "深圳市规划和国土资源委员会",
        "规划国土委",
        "ghj",
        "深规",
        ("用地规划处", "建筑与城市设计处", "市政规划处", "地政处", "测绘处", "土地利用处"),
        34,
    ),
    (
        "ZJJ",
        "深圳市住房和建设局",
        "住建局",
        "zjj",
        "深建",
        (
            "建筑市场监管处",
            "工程质量安全监督处",
            "施工许可办公室",
            "房地产市场监管处",
            "建设科技处",
        ),
        30,
    ),
    (
        "RJW",
        "深圳市人居环境委员会",
        "人居环境委",
        "rjw",
        "深环",
        ("环境影响评价处", "建设项目管理处", "污染防治处", "环境监察支队"),
        14,
    ),
    (
        "SWJ",
        "深圳市水务局",
        "水务局",
        PLATFORM,
        "深水",
        ("水资源处", "水土保持处", "排水管理处", "建设管理处", "河道管理处"),
        20,
    ),
    (
        "JTW",
        "深圳市交通运输委员会",
        "交通运输委",
        PLATFORM,
        "深交",
        ("规划计划处", "建设管理处", "道路管理处", "公路处"),
        18,
    ),
    (
        "XFJ",
        "深圳市公安局消防监督管理局",
        "消防局",
        PLATFORM,
        "深公消",
        ("防火监督处", "建审科", "验收科"),
        12,
    ),
    (
        "RFB",
        "深圳市人民防空办公室",
        "人防办",
        PLATFORM,
        "深人防",
        ("工程处", "人防工程质量监督站"),
        8,
    ),
    (
        "CGJ",
        "深圳市城市管理局",
        "城管局",
        PLATFORM,
        "深城管",
        ("绿化处", "市容环境处", "环境卫生处", "市政设施处"),
        14,
    ),
    ("CZW", "深圳市财政委员会", "财政委", PLATFORM, "深财", ("投资评审中心", "经济建设处"), 8),
    ("GAJ", "深圳市公安局交通警察局", "交警局", PLATFORM, "深公交", ("秩序处", "设施处"), 10),
    ("QXJ", "深圳市气象局", "气象局", PLATFORM, "深气", ("防雷减灾处", "政策法规处"), 6),
    ("DAG", "深圳市城市建设档案馆", "城建档案馆", PLATFORM, "深建档", ("接收科", "业务指导科"), 5),
    (
        "WSJ",
        "深圳市卫生和计划生育委员会",
        "卫计委",
        PLATFORM,
        "深卫计",
        ("公共卫生处", "医政处", "卫生监督局"),
        10,
    ),
    (
        "SCJ",
        "深圳市市场和质量监督管理委员会",
        "市场监管委",
        PLATFORM,
        "深市质",
        ("特种设备安全监察处", "计量处"),
        6,
    ),
    ("DZJ", "深圳市地震局", "地震局", PLATFORM, "深震", ("震害防御处",), 4),
)
DEPARTMENT_CODES: tuple[str, ...] = tuple(d[0] for d in _DEPARTMENTS)

# name, stage (1-4, 5 = parallel), class (I/O/C), limit in working days, document type, weight,
# prerequisite names (earlier stages), funding (G/S/None), categories ("" = any)
_Spec = tuple[str, int, str, int, str, float, tuple[str, ...], str | None, str]
_MATTERS: dict[str, tuple[_Spec, ...]] = {
    "FGW": (
        ("政府投资项目建议书审批", 1, "C", 20, "项目建议书批复", 9, (), "G", ""),
        ("政府投资项目可行性研究报告审批", 1, "C", 20, "可行性研究报告批复", 8, (), "G", ""),
        ("企业投资项目核准", 1, "C", 20, "项目核准批复", 3, (), "S", ""),
        ("企业投资项目备案", 1, "I", 1, "企业投资项目备案证", 6, (), "S", ""),
        ("固定资产投资项目节能评估审查", 1, "O", 15, "节能审查意见", 3, (), None, ""),
        (
            "政府投资项目初步设计及概算审批",
            2,
            "C",
            20,
            "初步设计及概算批复",
            6,
            ("政府投资项目可行性研究报告审批",),
            "G",
            "",
        ),
        ("政府投资项目年度计划下达", 1, "O", 10, "投资计划下达文件", 2, (), "G", ""),
        (
            "政府投资项目概算调整审批",
            3,
            "O",
            15,
            "概算调整批复",
            0.6,
            ("政府投资项目初步设计及概算审批",),
            "G",
            "",
        ),
        ("建设项目招标方案核准", 1, "O", 5, "招标方案核准意见", 3, (), None, ""),
        ("政府投资项目资金申请报告审批", 1, "O", 15, "资金申请报告批复", 0.8, (), "G", ""),
        ("外商投资项目核准", 1, "C", 20, "外商投资项目核准批复", 0.3, (), "S", ""),
    ),
    "GHJ": (
        ("建设项目选址意见书核发", 1, "O", 15, "建设项目选址意见书", 6, (), None, ""),
        ("建设用地预审", 1, "O", 15, "建设项目用地预审意见", 4, (), None, ""),
        ("建设用地规划许可证核发", 1, "O", 15, "建设用地规划许可证", 9, (), None, ""),
        ("国有建设用地使用权划拨决定", 1, "O", 20, "国有建设用地划拨决定书", 3, (), "G", ""),
        ("国有土地使用权出让合同签订", 1, "O", 15, "国有土地使用权出让合同", 2, (), "S", ""),
        ("城市更新单元规划审批", 1, "C", 30, "城市更新单元规划批复", 1, (), "S", "B"),
        ("临时用地审批", 5, "O", 15, "临时用地批复", 1, (), None, ""),
        (
            "建设工程规划许可证核发",
            2,
            "C",
            20,
            "建设工程规划许可证",
            9,
            ("建设用地规划许可证核发",),
            None,
            "",
        ),
        (
            "建设工程设计方案核查",
            2,
            "O",
            20,
            "建设工程方案设计核查意见书",
            6,
            ("建设用地规划许可证核发",),
            None,
            "B",
        ),
        (
            "市政工程设计方案审查",
            2,
            "O",
            20,
            "市政工程方案审查意见书",
            4,
            ("建设项目选址意见书核发",),
            None,
            "MTW",
        ),
        ("建筑物命名核准", 2, "O", 10, "地名批复", 1, (), None, "B"),
        ("建设工程规划放线", 2, "O", 5, "规划放线册", 3, (), None, ""),
        ("建设工程规划验线", 3, "O", 5, "验线意见书", 3, ("建设工程规划许可证核发",), None, ""),
        (
            "建设工程规划验收",
            4,
            "O",
            15,
            "建设工程规划验收合格证",
            5,
            ("建设工程规划许可证核发",),
            None,
            "",
        ),
        ("建设工程竣工测量成果审核", 4, "O", 10, "竣工测量成果审核意见", 1, (), None, ""),
        ("房地产初始登记", 4, "O", 20, "房地产证", 2, (), None, "B"),
        ("地质灾害危险性评估备案", 5, "I", 1, "地质灾害危险性评估备案登记表", 1, (), None, ""),
        ("压覆重要矿产资源审批", 1, "O", 20, "压覆矿产资源审查意见", 0.3, (), None, ""),
    ),
    "ZJJ": (
        ("施工图设计文件审查备案", 2, "I", 1, "施工图审查备案回执", 7, (), None, ""),
        ("建设工程施工招标备案", 3, "I", 1, "招标备案回执", 6, (), None, ""),
        ("建设工程施工合同备案", 3, "I", 1, "合同备案回执", 4, (), None, ""),
        ("建设工程监理合同备案", 3, "I", 1, "合同备案回执", 2, (), None, ""),
        (
            "建设工程质量监督登记",
            3,
            "O",
            5,
            "质量监督登记书",
            6,
            ("施工图设计文件审查备案",),
            None,
            "",
        ),
        ("建设工程安全监督登记", 3, "O", 5, "安全监督登记书", 6, (), None, ""),
        (
            "建筑工程施工许可证核发",
            3,
            "O",
            10,
            "建筑工程施工许可证",
            9,
            ("建设工程规划许可证核发", "施工图设计文件审查备案"),
            None,
            "",
        ),
        ("建筑节能设计审查备案", 2, "O", 5, "建筑节能审查备案回执", 2, (), None, "B"),
        ("超限高层建筑工程抗震设防审批", 2, "C", 20, "抗震设防专项审查意见", 0.5, (), None, "B"),
        (
            "商品房预售许可",
            3,
            "O",
            10,
            "商品房预售许可证",
            1,
            ("建设工程规划许可证核发",),
            "S",
            "B",
        ),
        (
            "建设工程竣工验收备案",
            4,
            "O",
            5,
            "竣工验收备案证明书",
            6,
            ("建筑工程施工许可证核发",),
            None,
            "",
        ),
        ("建筑节能专项验收", 4, "O", 10, "建筑节能专项验收意见", 2, (), None, "B"),
        ("商品房现售备案", 4, "O", 5, "现售备案证明", 0.5, (), "S", "B"),
        ("建筑起重机械使用登记", 5, "O", 5, "使用登记证明", 1, (), None, ""),
    ),
    "RJW": (
        ("建设项目环境影响报告书审批", 1, "C", 30, "环境影响报告书批复", 4, (), None, ""),
        ("建设项目环境影响报告表审批", 1, "O", 15, "环境影响报告表批复", 6, (), None, ""),
        ("建设项目环境影响登记表备案", 1, "I", 1, "环境影响登记表备案回执", 4, (), None, ""),
        (
            "建设项目竣工环境保护验收",
            4,
            "O",
            20,
            "竣工环境保护验收批复",
            4,
            ("建设项目环境影响报告表审批",),
            None,
            "",
        ),
        ("建筑施工夜间作业审批", 5, "I", 1, "夜间施工证明", 1, (), None, ""),
        ("排污许可证核发", 4, "O", 20, "排污许可证", 1, (), None, "MW"),
    ),
    "SWJ": (
        ("生产建设项目水土保持方案审批", 1, "O", 20, "水土保持方案批复", 5, (), None, ""),
        ("建设项目水影响评价报告审批", 1, "O", 20, "水影响评价批复", 3, (), None, ""),
        ("建设项目排水设计审查", 2, "O", 10, "排水设计审查意见", 3, (), None, ""),
        ("临时排水许可", 5, "O", 5, "临时排水许可证", 2, (), None, ""),
        ("城镇污水排入排水管网许可", 4, "O", 10, "排水许可证", 3, (), None, ""),
        (
            "生产建设项目水土保持设施验收",
            4,
            "O",
            20,
            "水土保持设施验收意见",
            2,
            ("生产建设项目水土保持方案审批",),
            None,
            "",
        ),
        (
            "河道管理范围内建设项目审批",
            2,
            "C",
            20,
            "河道管理范围内建设项目审查意见",
            2,
            (),
            None,
            "MTW",
        ),
        ("水利工程初步设计审查", 2, "C", 20, "初步设计审查意见", 3, (), None, "W"),
        ("供水工程设计审查", 2, "O", 10, "供水设计审查意见", 1, (), None, "BW"),
        ("取水许可", 1, "O", 20, "取水许可证", 0.5, (), None, "W"),
        ("水利工程竣工验收", 4, "C", 20, "竣工验收鉴定书", 2, (), None, "W"),
    ),
    "JTW": (
        ("建设项目交通影响评价审查", 1, "O", 15, "交通影响评价审查意见", 4, (), None, "BT"),
        ("挖掘占用城市道路审批", 5, "O", 10, "挖掘占用道路许可", 3, (), None, ""),
        ("公路建设项目设计审批", 2, "C", 20, "设计批复", 3, (), None, "T"),
        (
            "公路建设项目施工许可",
            3,
            "O",
            20,
            "公路工程施工许可",
            3,
            ("公路建设项目设计审批",),
            None,
            "T",
        ),
        ("公路工程交工验收", 4, "O", 20, "交工验收证书", 2, ("公路建设项目施工许可",), None, "T"),
        ("临时占用公路审批", 5, "O", 10, "占用公路许可", 1, (), None, "MT"),
        ("公交场站配建审查", 2, "O", 15, "公交场站配建意见", 1, (), None, "BT"),
        ("城市道路交通设计审查", 2, "O", 15, "交通设计审查意见", 2, (), None, "MT"),
    ),
    "XFJ": (
        ("建设工程消防设计审核", 2, "O", 20, "建设工程消防设计审核意见书", 8, (), None, ""),
        ("建设工程消防设计备案", 2, "I", 1, "消防设计备案凭证", 4, (), None, ""),
        (
            "建设工程消防验收",
            4,
            "O",
            20,
            "建设工程消防验收意见书",
            7,
            ("建设工程消防设计审核",),
            None,
            "",
        ),
        (
            "建设工程竣工验收消防备案",
            4,
            "I",
            1,
            "竣工验收消防备案凭证",
            3,
            ("建设工程消防设计备案",),
            None,
            "",
        ),
        ("公众聚集场所投入使用前消防安全检查", 4, "O", 10, "消防安全检查合格证", 1, (), None, "B"),
    ),
    "RFB": (
        ("防空地下室设计审查", 2, "O", 15, "人防工程设计审查意见", 5, (), None, "B"),
        ("防空地下室易地建设审批", 1, "O", 10, "易地建设批复", 2, (), None, "B"),
        ("人防工程质量监督登记", 3, "O", 5, "人防质量监督登记书", 2, (), None, "B"),
        (
            "人防工程竣工验收备案",
            4,
            "O",
            15,
            "人防工程竣工验收备案证明",
            4,
            ("防空地下室设计审查",),
            None,
            "B",
        ),
    ),
    "CGJ": (
        ("砍伐迁移城市树木审批", 5, "O", 15, "树木砍伐迁移许可", 3, (), None, ""),
        ("建设工程附属绿化设计方案审查", 2, "O", 15, "附属绿化设计审查意见", 3, (), None, ""),
        (
            "附属绿化工程竣工验收",
            4,
            "O",
            10,
            "绿化工程验收意见",
            2,
            ("建设工程附属绿化设计方案审查",),
            None,
            "",
        ),
        ("临时占用城市绿地审批", 5, "O", 10, "占用绿地许可", 2, (), None, ""),
        ("建筑废弃物排放核准", 5, "O", 5, "建筑废弃物排放核准文件", 3, (), None, ""),
        ("城市道路照明设施迁移审批", 5, "O", 10, "照明设施迁移许可", 1, (), None, "MT"),
        ("环境卫生设施配套验收", 4, "O", 10, "环卫设施验收意见", 1, (), None, "BM"),
    ),
    "CZW": (
        ("政府投资项目概算评审", 2, "C", 20, "概算评审报告", 4, (), "G", ""),
        ("政府投资项目预算评审", 3, "C", 20, "预算评审报告", 3, (), "G", ""),
        ("政府投资项目结算审核", 4, "C", 30, "结算审核报告", 2, ("政府投资项目预算评审",), "G", ""),
        ("政府投资项目竣工财务决算审批", 4, "C", 30, "竣工财务决算批复", 1, (), "G", ""),
    ),
    "GAJ": (
        ("占道施工交通组织方案审批", 5, "O", 5, "交通组织方案批复", 3, (), None, "MTW"),
        ("建设项目交通安全设施设计审查", 2, "O", 10, "交通安全设施设计意见", 1, (), None, "MT"),
        ("道路交通安全设施验收", 4, "O", 10, "交通安全设施验收意见", 1, (), None, "MT"),
        ("临时占用道路施工许可", 5, "O", 5, "临时占道施工许可", 1, (), None, ""),
    ),
    "QXJ": (
        ("防雷装置设计审核", 2, "O", 10, "防雷装置设计核准意见书", 5, (), None, "B"),
        ("防雷装置竣工验收", 4, "O", 10, "防雷装置验收意见书", 4, ("防雷装置设计审核",), None, "B"),
        ("雷电灾害风险评估审查", 1, "O", 10, "雷击风险评估审查意见", 1, (), None, ""),
    ),
    "DAG": (
        ("建设工程档案预验收", 4, "O", 5, "建设工程档案预验收意见书", 4, (), None, ""),
        ("建设工程竣工档案接收", 4, "I", 1, "建设工程档案接收证明", 2, (), None, ""),
    ),
    "WSJ": (
        ("建设项目卫生学预评价审核", 1, "O", 20, "卫生学预评价审核意见", 1, (), None, "B"),
        ("放射诊疗建设项目职业病危害预评价审核", 2, "O", 20, "预评价审核意见", 0.3, (), None, "B"),
        ("建设项目卫生学竣工验收", 4, "O", 20, "卫生学竣工验收意见", 1, (), None, "B"),
        ("医疗机构设置审批", 1, "O", 20, "设置医疗机构批准书", 0.5, (), None, "B"),
    ),
    "SCJ": (
        ("特种设备安装改造维修告知", 3, "I", 1, "告知回执", 2, (), None, "B"),
        ("电梯安装监督检验", 4, "O", 10, "监督检验报告", 2, (), None, "B"),
        ("特种设备使用登记", 4, "O", 10, "特种设备使用登记证", 1, (), None, "B"),
    ),
    "DZJ": (
        ("建设工程抗震设防要求确定", 1, "O", 15, "抗震设防要求确定书", 2, (), None, ""),
        ("地震安全性评价报告审定", 1, "C", 20, "地震安全性评价审定意见", 0.5, (), None, ""),
    ),
}

# Variants a department lists besides a base matter, in the order they are added.
_VARIANTS: tuple[tuple[str, str, int], ...] = (
    ("（变更）", "O", 10),
    ("（延续）", "O", 10),
    ("（补办）", "O", 15),
    ("（重新核发）", "O", 15),
    ("（告知承诺）", "I", 1),
    ("（分期）", "O", 15),
)

_MATERIALS = (
    "营业执照或组织机构代码证",
    "法定代表人授权委托书",
    "项目批准文件",
    "用地红线图",
    "地形图",
    "设计方案文本",
    "总平面图",
    "建筑施工图",
    "结构计算书",
    "环境影响评价文件",
    "水土保持方案报告书",
    "中标通知书",
    "施工合同",
    "监理合同",
    "工程质量安全承诺书",
    "资金到位证明",
    "专家评审意见",
    "竣工验收报告",
    "竣工测量报告",
    "消防设计文件",
    "防雷装置设计图纸",
    "交通影响评价报告",
    "土地权属证明",
    "规划设计要点",
    "可行性研究报告",
    "初步设计文件",
    "工程概算书",
)


def _doc_code(document_type: str) -> str:
    if "备案" in document_type or "回执" in document_type or "告知" in document_type:
        return "备"
    if "验收" in document_type or "检验" in document_type:
        return "验"
    if "批复" in document_type or "决定" in document_type or "批准" in document_type:
        return "批"
    if "证" in document_type or "许可" in document_type:
        return "许"
    return "审"


class Catalogue:
    """The departments and matters, in catalogue order, with lookups by code."""

    def __init__(self, departments: tuple[Department, ...], matters: tuple[Matter, ...]) -> None:
        self.departments = departments
        self.matters = matters
        self._departments = {d.code: d for d in departments}
        self._matters = {m.code: m for m in matters}

    def department(self, code: str) -> Department:
        return self._departments[code]

    def matter(self, code: str) -> Matter:
        return self._matters[code]


def build_catalogue(seed: int, as_of: datetime) -> Catalogue:
    """The fixed departments and matters; only limits' details, materials and update times vary
    with the seed, never with the scale."""
    rng = random.Random(f"{seed}/catalogue")
    departments: list[Department] = []
    matters: list[Matter] = []
    codes_by_name: dict[str, str] = {}
    for code, name, short, system, abbr, divisions, count in _DEPARTMENTS:
        departments.append(
            Department(
                code=code,
                name=name,
                short_name=short,
                credit_code=credit_code(name, government=True),
                system=system,
                doc_abbr=abbr,
                divisions=divisions,
                updated_at=_catalogue_time(rng, as_of, 400, 900),
            )
        )
        specs = list(_MATTERS[code])
        bases = list(specs)
        for index in range(count - len(bases)):
            base = bases[index % len(bases)]
            suffix, klass, limit = _VARIANTS[index // len(bases)]
            if klass != "I":
                limit = min(limit, base[3]) if base[2] != "I" else limit
            specs.append(
                (
                    base[0] + suffix,
                    base[1],
                    klass,
                    limit,
                    base[4],
                    base[5] * 0.08,
                    base[6],
                    base[7],
                    base[8],
                )
            )
        for seq, spec in enumerate(specs, start=1):
            m_name, stage, klass, limit, document, weight, prereqs, funding, cats = spec
            matter_code = f"{code}-{seq:03d}"
            codes_by_name.setdefault(m_name, matter_code)
            materials = ("申请表", *rng.sample(_MATERIALS, rng.randint(2, 5)))
            matters.append(
                Matter(
                    code=matter_code,
                    name=m_name,
                    department_code=code,
                    stage=_STAGES[stage],
                    time_limit_class=_CLASSES[klass],
                    time_limit_days=limit,
                    prerequisites=prereqs,  # names for now, codes below
                    document_type=document,
                    doc_code=_doc_code(document),
                    materials=materials,
                    weight=float(weight),
                    funding=None
                    if funding is None
                    else (Funding.GOVERNMENT if funding == "G" else Funding.SOCIAL),
                    categories=tuple(_CATEGORIES[c] for c in cats),
                    updated_at=_catalogue_time(rng, as_of, 20, 700),
                )
            )
    resolved = tuple(
        _with_prerequisites(m, tuple(sorted(codes_by_name[n] for n in m.prerequisites)))
        for m in matters
    )
    catalogue = Catalogue(tuple(departments), resolved)
    _check(catalogue)
    return catalogue


def _with_prerequisites(matter: Matter, codes: tuple[str, ...]) -> Matter:
    values = {name: getattr(matter, name) for name in Matter.__dataclass_fields__}
    values["prerequisites"] = codes
    return Matter(**values)


def _catalogue_time(rng: random.Random, as_of: datetime, low: int, high: int) -> datetime:
    day = (as_of - timedelta(days=rng.randint(low, high))).date()
    return datetime(
        day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59)
    )


def _check(catalogue: Catalogue) -> None:
    assert len(catalogue.departments) == DEPARTMENT_COUNT
    assert len(catalogue.matters) == MATTER_COUNT, len(catalogue.matters)
    assert len({m.code for m in catalogue.matters}) == MATTER_COUNT
    assert len({m.name for m in catalogue.matters}) == MATTER_COUNT
    by_code = {m.code: m for m in catalogue.matters}
    for matter in catalogue.matters:
        for code in matter.prerequisites:
            assert by_code[code].stage_rank < matter.stage_rank, (matter.name, code)
