"""Chinese everyday sentences in the style of CSL-Daily, with sign-order glosses.

Spoken order is Chinese SVO with the time word after the subject; the sign order puts time
first, objects and places before the verb, modal verbs and negation after it and question words
last, and drops the copula, classifiers, ``很``, ``在``, ``的`` and ``吗`` (as CSL-Daily's
``label_gloss`` does). Yes/no questions carry raised eyebrows, wh-questions lowered eyebrows,
negation a head shake. Words carry ICTCLAS-style part-of-speech tags (``label_postag``).
"""

from __future__ import annotations

import random

from sign2gpt.synth.utterance import Utterance

# word -> (pinyin, part of speech)
LEXICON: dict[str, tuple[str, str]] = {
    # pronouns, question words
    "我": ("wo", "r"),
    "你": ("ni", "r"),
    "他": ("ta", "r"),
    "她": ("ta1", "r"),
    "我们": ("women", "r"),
    "你们": ("nimen", "r"),
    "他们": ("tamen", "r"),
    "什么": ("shenme", "r"),
    "哪里": ("nali", "r"),
    "谁": ("shei", "r"),
    "几": ("ji", "m"),
    # time
    "今天": ("jintian", "t"),
    "明天": ("mingtian", "t"),
    "昨天": ("zuotian", "t"),
    "早上": ("zaoshang", "t"),
    "晚上": ("wanshang", "t"),
    "下午": ("xiawu", "t"),
    "周末": ("zhoumo", "t"),
    "现在": ("xianzai", "t"),
    # places
    "学校": ("xuexiao", "n"),
    "医院": ("yiyuan", "n"),
    "商店": ("shangdian", "n"),
    "公司": ("gongsi", "n"),
    "家": ("jia", "n"),
    "北京": ("beijing", "ns"),
    "公园": ("gongyuan", "n"),
    "银行": ("yinhang", "n"),
    "图书馆": ("tushuguan", "n"),
    "饭店": ("fandian", "n"),
    # things
    "饭": ("fan", "n"),
    "水": ("shui", "n"),
    "茶": ("cha", "n"),
    "咖啡": ("kafei", "n"),
    "书": ("shu", "n"),
    "电影": ("dianying", "n"),
    "衣服": ("yifu", "n"),
    "苹果": ("pingguo", "n"),
    "面条": ("miantiao", "n"),
    "电脑": ("diannao", "n"),
    "手语": ("shouyu", "n"),
    "中文": ("zhongwen", "nz"),
    "钱": ("qian", "n"),
    "时间": ("shijian", "n"),
    "名字": ("mingzi", "n"),
    "天气": ("tianqi", "n"),
    # people
    "朋友": ("pengyou", "n"),
    "老师": ("laoshi", "n"),
    "医生": ("yisheng", "n"),
    "学生": ("xuesheng", "n"),
    "妈妈": ("mama", "n"),
    "爸爸": ("baba", "n"),
    "孩子": ("haizi", "n"),
    "同事": ("tongshi", "n"),
    # verbs
    "去": ("qu", "v"),
    "来": ("lai", "v"),
    "回": ("hui", "v"),
    "吃": ("chi", "v"),
    "喝": ("he", "v"),
    "买": ("mai", "v"),
    "看": ("kan", "v"),
    "学习": ("xuexi", "v"),
    "喜欢": ("xihuan", "v"),
    "想": ("xiang", "v"),
    "要": ("yao", "v"),
    "有": ("you", "v"),
    "没有": ("meiyou", "v"),
    "是": ("shi", "v"),
    "叫": ("jiao", "v"),
    "认识": ("renshi", "v"),
    "等": ("deng", "v"),
    "帮助": ("bangzhu", "v"),
    # adjectives
    "好": ("hao", "a"),
    "忙": ("mang", "a"),
    "累": ("lei", "a"),
    "高兴": ("gaoxing", "a"),
    "冷": ("leng", "a"),
    "热": ("re", "a"),
    "饿": ("e", "a"),
    # function words (spoken only)
    "很": ("hen", "d"),
    "不": ("bu", "d"),
    "在": ("zai", "p"),
    "的": ("de", "u"),
    "吗": ("ma", "y"),
    "个": ("ge", "q"),
    "本": ("ben", "q"),
    "杯": ("bei", "q"),
    "一": ("yi", "m"),
    "两": ("liang", "m"),
    "三": ("san", "m"),
    "四": ("si", "m"),
    "五": ("wu", "m"),
    "。": (".", "w"),
    "？": ("?", "w"),
}

PRONOUNS = ["我", "你", "他", "她", "我们", "你们", "他们"]
PEOPLE = ["朋友", "老师", "医生", "学生", "妈妈", "爸爸", "孩子", "同事"]
TIMES = ["今天", "明天", "昨天", "早上", "晚上", "下午", "周末", "现在"]
PLACES = ["学校", "医院", "商店", "公司", "家", "北京", "公园", "银行", "图书馆", "饭店"]
VERB_OBJECTS = {
    "吃": ["饭", "苹果", "面条"],
    "喝": ["水", "茶", "咖啡"],
    "买": ["衣服", "书", "苹果", "电脑"],
    "看": ["书", "电影"],
    "学习": ["手语", "中文"],
    "认识": ["老师", "医生", "同事"],
    "等": ["朋友", "妈妈", "爸爸"],
    "帮助": ["同事", "孩子", "学生"],
}
MODALS = ["想", "要", "喜欢"]
ADJECTIVES = ["好", "忙", "累", "高兴", "冷", "热", "饿"]
COUNTABLE = {"孩子": "个", "朋友": "个", "苹果": "个", "书": "本", "茶": "杯", "咖啡": "杯"}
NUMS = ["一", "两", "三", "四", "五"]
KIN = {"妈妈", "爸爸", "孩子"}
ACTIVITIES = ["吃", "喝", "买", "看", "学习"]


def _subject(rng: random.Random) -> tuple[list[str], list[str]]:
    """Spoken words and glosses of a subject: a pronoun, or a possessor and a person."""
    pron = rng.choice(PRONOUNS)
    if rng.random() < 0.7:
        return [pron], [pron]
    person = rng.choice(["妈妈", "爸爸", "朋友", "老师", "孩子"])
    if person in KIN:  # kinship terms take no 的 ("我妈妈"), others do ("我的朋友")
        return [pron, person], [pron, person]
    return [pron, "的", person], [pron, person]


def _sample(rng: random.Random) -> tuple[list[str], list[str], list[str], str]:
    """-> (spoken words without punctuation, glosses, markers, sentence kind)."""
    kind = rng.choices(
        ["go", "at", "vo", "modal", "neg", "neg_have", "yesno", "wh", "adj", "copula", "have"],
        weights=[12, 8, 12, 10, 8, 4, 8, 10, 8, 5, 5],
    )[0]
    subj_w, subj_g = _subject(rng)
    time = rng.choice(TIMES) if rng.random() < 0.5 else None
    tw = [time] if time else []
    if kind == "go":
        verb = rng.choice(["去", "来", "回"])
        place = rng.choice(["家", "学校", "公司"] if verb == "回" else PLACES)
        words = [*subj_w, *tw, verb, place]
        glosses = [*tw, *subj_g, place, verb]
        return words, glosses, [""] * len(glosses), kind
    if kind == "at":
        place = rng.choice(PLACES)
        verb = rng.choice(ACTIVITIES)
        obj = rng.choice(VERB_OBJECTS[verb])
        words = [*subj_w, *tw, "在", place, verb, obj]
        glosses = [*tw, *subj_g, place, obj, verb]
        return words, glosses, [""] * len(glosses), kind
    verb = rng.choice(sorted(VERB_OBJECTS))
    obj = rng.choice(VERB_OBJECTS[verb])
    if kind == "vo":
        words = [*subj_w, *tw, verb, obj]
        glosses = [*tw, *subj_g, obj, verb]
        return words, glosses, [""] * len(glosses), kind
    if kind in ("modal", "yesno"):
        modal = rng.choice(MODALS)
        words = [*subj_w, *tw, modal, verb, obj]
        glosses = [*tw, *subj_g, obj, verb, modal]
        if kind == "yesno":
            return [*words, "吗"], glosses, ["brows_up"] * len(glosses), kind
        return words, glosses, [""] * len(glosses), kind
    if kind == "neg":
        if rng.random() < 0.4:
            place = rng.choice([p for p in PLACES if p != "家"])
            words = [*subj_w, *tw, "不", "去", place]
            glosses = [*tw, *subj_g, place, "去", "不"]
        else:
            words = [*subj_w, *tw, "不", verb, obj]
            glosses = [*tw, *subj_g, obj, verb, "不"]
        markers = [""] * (len(glosses) - 2) + ["headshake", "headshake"]
        return words, glosses, markers, kind
    if kind == "neg_have":
        thing = rng.choice(["钱", "时间", "电脑", "朋友"])
        words = [*subj_w, *tw, "没有", thing]
        glosses = [*tw, *subj_g, thing, "没有"]
        return words, glosses, [""] * (len(glosses) - 1) + ["headshake"], kind
    if kind == "wh":
        form = rng.randrange(5)
        if form == 0:
            words, glosses = [*subj_w, "叫", "什么", "名字"], [*subj_g, "名字", "什么"]
        elif form == 1:
            words, glosses = [*subj_w, *tw, "去", "哪里"], [*tw, *subj_g, "去", "哪里"]
        elif form == 2:
            modal = rng.choice(MODALS)
            v = rng.choice(["吃", "喝", "买", "看"])
            words = [*subj_w, *tw, modal, v, "什么"]
            glosses = [*tw, *subj_g, v, modal, "什么"]
        elif form == 3:
            thing = rng.choice(["孩子", "朋友"])
            words, glosses = [*subj_w, "有", "几", "个", thing], [*subj_g, thing, "几"]
        else:
            person = rng.choice(PEOPLE)
            pron = rng.choice(PRONOUNS[:3])
            words, glosses = ["谁", "是", pron, "的", person], [pron, person, "谁"]
        return words, glosses, ["brows_down"] * len(glosses), kind
    if kind == "adj":
        if rng.random() < 0.3:
            subj_w, subj_g = ["天气"], ["天气"]
            adj = rng.choice(["好", "冷", "热"])
        else:
            adj = rng.choice(ADJECTIVES)
        words = [*subj_w, *tw, "很", adj]
        glosses = [*tw, *subj_g, adj]
        return words, glosses, [""] * len(glosses), kind
    if kind == "copula":
        person = rng.choice(["老师", "医生", "学生"])
        words = [*subj_w, "是", person]
        glosses = [*subj_g, person]
        return words, glosses, [""] * len(glosses), kind
    # have
    thing = rng.choice(sorted(COUNTABLE))
    num = rng.choice(NUMS)
    words = [*subj_w, "有", num, COUNTABLE[thing], thing]
    glosses = [*subj_g, thing, num]
    return words, glosses, [""] * len(glosses), kind


def sample_sentence(rng: random.Random) -> Utterance:
    """One Chinese sentence (segmented words + final punctuation) with 2-7 glosses."""
    while True:
        words, glosses, markers, kind = _sample(rng)
        if not 2 <= len(glosses) <= 7:
            continue
        words.append("？" if kind in ("yesno", "wh") else "。")
        return Utterance(
            "zh",
            tuple(words),
            tuple(glosses),
            tuple(markers),
            pos=tuple(LEXICON[w][1] for w in words),
            romanised=tuple(LEXICON[g][0] for g in glosses),
        )


SPOKEN_ONLY = {"很", "在", "的", "吗", "个", "本", "杯", "是", "叫", "有", "。", "？"}


def all_glosses() -> list[str]:
    """Every gloss the grammar can produce (sorted)."""
    return sorted(w for w in LEXICON if w not in SPOKEN_ONLY)
