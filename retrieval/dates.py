"""Month and year named in a question ("in January", "i februar", "December 2021")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {
    1: "january januar jan",
    2: "february februar feb",
    3: "march marts mars mar",
    4: "april apr",
    5: "may maj mai",
    6: "june juni jun",
    7: "july juli jul",
    8: "august aug",
    9: "september sept sep",
    10: "october oktober okt oct",
    11: "november nov",
    12: "december desember dec des",
}
MONTH_BY_NAME = {name: number for number, names in _MONTHS.items() for name in names.split()}
# Month words that double as ordinary words ("may", "mar", "jun") count only beside a year or "in"/"i".
_AMBIGUOUS = {"may", "mai", "mar", "jun", "jul", "jan", "feb", "apr", "aug", "sep", "sept", "oct",
              "okt", "nov", "dec", "des"}
_PATTERN = re.compile(
    r"(?:\b(?P<prep>in|i|during|under|from|fra)\s+)?\b(?P<month>[a-zæøå]+)\.?(?:\s+(?P<year>(?:19|20)\d\d))?\b"
    r"|\b(?P<lone_year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DatePreference:
    """The year and/or month a question asks about; either may be None."""

    year: int | None = None
    month: int | None = None

    def matches(self, date: str | None) -> bool:
        """Whether an article dated "YYYY-MM" falls in the preferred period."""
        if date is None or (self.year is None and self.month is None):
            return False
        year, month = int(date[:4]), int(date[5:7])
        return (self.year is None or self.year == year) and (self.month is None or self.month == month)

    def __bool__(self) -> bool:
        return self.year is not None or self.month is not None


def find_date_preference(question: str) -> DatePreference:
    """The period a question names, if any."""
    year: int | None = None
    month: int | None = None
    for match in _PATTERN.finditer(question):
        if match.group("lone_year"):
            year = year or int(match.group("lone_year"))
            continue
        name = match.group("month").lower()
        number = MONTH_BY_NAME.get(name)
        if number is None:
            if match.group("year"):  # "the 2022 World Cup": a year after an ordinary word
                year = year or int(match.group("year"))
            continue
        if name in _AMBIGUOUS and not (match.group("prep") or match.group("year")):
            continue
        month = month or number
        if match.group("year"):
            year = year or int(match.group("year"))
    return DatePreference(year=year, month=month)
