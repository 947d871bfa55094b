"""Chinese names for the demo: districts and places of Shenzhen, people, companies and the
unified social credit codes (统一社会信用代码) of organisations."""

from __future__ import annotations

import random
import zlib

from stdnum.cn import uscc

# Administrative divisions of Shenzhen in the project codes (市本级 = the city itself).
DISTRICTS: dict[str, str] = {
    "440300": "深圳市",
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华新区",
    "440310": "坪山新区",
    "440311": "光明新区",
}

# Share of projects per division (市本级 projects are the big city-level ones).
DISTRICT_WEIGHTS: dict[str, int] = {
    "440300": 9,
    "440303": 8,
    "440304": 12,
    "440305": 15,
    "440306": 17,
    "440307": 17,
    "440308": 3,
    "440309": 9,
    "440310": 5,
    "440311": 5,
}

PLACES: dict[str, tuple[str, ...]] = {
    "440300": (
        "前海",
        "深圳湾",
        "大空港",
        "留仙洞",
        "笋岗",
        "坂雪岗",
        "大运",
        "福田中心区",
        "后海",
        "西丽",
        "平湖",
        "观澜",
    ),
    "440303": (
        "东门",
        "翠竹",
        "笋岗",
        "清水河",
        "莲塘",
        "黄贝",
        "桂园",
        "东晓",
        "南湖",
        "洪湖",
        "布心",
        "泥岗",
    ),
    "440304": (
        "香蜜湖",
        "梅林",
        "车公庙",
        "华强北",
        "莲花",
        "景田",
        "园岭",
        "沙头",
        "福保",
        "华富",
        "南园",
        "上步",
        "皇岗",
        "新洲",
    ),
    "440305": (
        "蛇口",
        "西丽",
        "科技园",
        "后海",
        "前海",
        "南头",
        "沙河",
        "招商",
        "粤海",
        "桃源",
        "大冲",
        "留仙洞",
        "深圳湾",
    ),
    "440306": (
        "西乡",
        "福永",
        "沙井",
        "松岗",
        "石岩",
        "新安",
        "航城",
        "福海",
        "新桥",
        "燕罗",
        "固戍",
        "碧海",
    ),
    "440307": (
        "布吉",
        "坂田",
        "横岗",
        "平湖",
        "龙城",
        "坪地",
        "南湾",
        "吉华",
        "园山",
        "宝龙",
        "大运",
        "爱联",
    ),
    "440308": ("沙头角", "梅沙", "海山", "盐田港", "大梅沙", "小梅沙"),
    "440309": ("观澜", "大浪", "民治", "福城", "观湖", "龙华", "清湖", "樟坑径"),
    "440310": ("坑梓", "碧岭", "马峦", "石井", "龙田", "坪环"),
    "440311": ("公明", "玉塘", "凤凰", "马田", "新湖", "楼村"),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉玲飞鹏斌宇浩凯婷晨欣怡俊峰海燕"
    "梅琳颖雪慧丹蕾晓东亮"
)

BRANDS = (
    "鹏程",
    "锦绣",
    "海悦",
    "嘉和",
    "瑞丰",
    "鸿泰",
    "华盛",
    "明珠",
    "恒达",
    "裕华",
    "新城",
    "东方",
    "金海",
    "南粤",
    "宏图",
    "盛世",
    "中融",
    "港湾",
    "星海",
    "天汇",
    "华府",
    "信达",
    "卓丰",
    "安居",
    "荣华",
    "君悦",
    "宝利",
    "鼎盛",
    "汇丰",
    "湾区",
    "前程",
    "蓝湾",
    "富源",
    "世纪",
    "凯旋",
    "长城",
    "国瑞",
    "深业",
    "联城",
    "龙腾",
    "光华",
    "海岸",
    "万润",
    "泰然",
    "金地",
    "科兴",
    "创维",
    "华侨",
    "大族",
    "立新",
)
COMPANY_KINDS = ("房地产开发", "实业", "投资发展", "建设", "置业", "科技", "产业园", "城市更新")

# GB 11714 organisation code: 8 characters and a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body: str) -> str:
    """Complete an 8-digit organisation code body with its GB 11714 check character."""
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(name: str, *, government: bool, division: str = "440300") -> str:
    """A valid unified social credit code for an organisation, derived from its name.

    Government organs are registered by the 机构编制 authority (``11``), companies by the market
    regulator (``91``, registered in Shenzhen at 440300).
    """
    body = f"{zlib.crc32(name.encode('utf-8')) % 100_000_000:08d}"
    head = f"11{division}" if government else "91440300"
    first17 = head + organisation_code(body)
    return first17 + uscc.calc_check_digit(first17)


def person(rng: random.Random) -> str:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    if rng.random() < 0.6:
        name += rng.choice(GIVEN)
    return name
