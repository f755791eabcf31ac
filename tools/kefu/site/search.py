"""Search that answers staff's questions: segmented at build time and in the browser alike.

Material's search cuts Chinese into words with jieba when it builds the index, but the
browser only splits a typed query at spaces, so 投诉怎么处理 is one word that matches
nothing.  The build therefore ships a small segmenter (``assets/kefu-query.js``) whose
vocabulary is the index's own words: a typed question is cut into those words (longest
first), question words (怎么, 多久 ...) are dropped, and each word brings its synonyms from
the handbook (glossary, role and form aliases: 夜班/夜值, 报修/维修, 回访/回电).  Each whole
word goes to Material's worker guarded against its own second cut (see kefu-query.js), so
快递 is searched, and highlighted on the opened page, as 快递, not 快.
Pages also carry their keywords as search tags, which Material ranks above titles.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kefu.model import Handbook

#: words of a question that no page is about (the question's grammar, not its subject)
QUESTION_WORDS = (
    "怎么办", "怎么样", "怎么", "怎样", "如何", "多久", "多长时间", "多少", "几天", "几个", "什么", "哪些",
    "哪个", "为什么", "是否", "可以", "需要", "应该", "能不能", "要不要", "以后", "之后", "时候", "一下",
    "我们", "我", "你", "了", "吗", "呢", "的", "要", "能", "得", "吧", "啊", "该", "是", "有", "在",
)
#: a word on more than this share of the pages is dropped from a question that has other words:
#: the handbook's frame (来源, 打印, 客服中心, 业主), not a subject.  Subjects such as 报修 and 投诉
#: are on about half the pages, because so many pages lead to them, and must stay in the query
#: (业主来电报修 is about 报修)
COMMON = 0.6
#: longest word the segmenter tries (characters)
LONGEST = 8
HAN = re.compile(r"[\u4e00-\u9fff]")
#: rare Han characters (CJK extension A) of which kefu-query.js uses the first the index lacks
KEEP = "\u3400\u3401\u3402\u3403\u3404"


def synonym_groups(book: Handbook) -> list[list[str]]:
    """Words the handbook itself says mean the same: a term and its aliases, a role, a record
    choice and theirs.  (A category's aliases are the different things it gathers -- 收楼,
    搬出, 放行条 -- not synonyms.)"""
    groups: list[list[str]] = []
    for t in book.glossary.values():
        groups.append([t.term, *t.aliases])
    for r in book.roles.values():
        groups.append([r.name, *r.aliases])
    for form in book.forms.values():
        stack = list(form.fields)
        while stack:
            f = stack.pop()
            stack += f.fields
            for choice in f.choices:
                if choice.aliases:
                    groups.append([choice.label, *choice.aliases])
    return [[w for w in dict.fromkeys(g) if HAN.search(w) and " " not in w] for g in groups if len(g) > 1]


def synonyms(book: Handbook) -> dict[str, list[str]]:
    """Word -> the other words of its groups (short words only: a long alias is a phrase)."""
    out: dict[str, list[str]] = {}
    for group in synonym_groups(book):
        short = [w for w in group if len(w) <= 4]
        for w in short:
            out.setdefault(w, [])
            out[w] += [x for x in short if x != w and x not in out[w]]
    return out


def tags(words: list[str]) -> list[str]:
    """Search tags for a page: each word cut by jieba and joined by zero-width spaces, the way
    Material stores titles, so the browser's separator finds the same words."""
    import jieba

    out = []
    for w in dict.fromkeys(words):
        w = w.strip()
        if w:
            out.append("\u200b".join(x for x in jieba.cut(w) if x.strip()))
    return out


def vocabulary(index: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The Han words of the built index (titles, texts and tags), as its separator cuts them,
    and those so common (on more than COMMON of the pages: 业主, 客服) that they rank nothing."""
    separator = re.compile(index.get("config", {}).get("separator") or r"[\s\u200b]+")
    pages: dict[str, set[str]] = {}
    for doc in index.get("docs", []):
        page = str(doc.get("location", "")).split("#")[0]
        words = pages.setdefault(page, set())
        for value in [doc.get("title", ""), doc.get("text", ""), *doc.get("tags", [])]:
            plain = re.sub(r"<[^>]+>", " ", str(value))
            for token in separator.split(plain):
                if 2 <= len(token) <= LONGEST and all(HAN.match(ch) for ch in token):
                    words.add(token)
    counts: dict[str, int] = {}
    for words in pages.values():
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    common = sorted(w for w, n in counts.items() if n > COMMON * len(pages))
    return sorted(counts), common


def write_segmenter(site_dir: Path, book: Handbook) -> Path:
    """assets/kefu-query.js from the built search index (so it must run after the search plugin)."""
    index = json.loads((site_dir / "search" / "search_index.json").read_text(encoding="utf-8"))
    words, common = vocabulary(index)
    text = json.dumps(index, ensure_ascii=False)
    keep = next((ch for ch in KEEP if ch not in text), "")
    data = {"words": words, "common": common, "synonyms": synonyms(book), "stop": list(QUESTION_WORDS),
            "max": LONGEST, "keep": keep}
    code = (Path(__file__).parent / "templates" / "assets" / "kefu-query.js").read_text(encoding="utf-8")
    target = site_dir / "assets" / "kefu-query.js"
    target.write_text("window.KEFU_QUERY = " + json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                      + ";\n" + code, encoding="utf-8")
    return target
