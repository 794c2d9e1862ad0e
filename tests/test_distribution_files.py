"""Where a key's figures come from and where a division goes: a region table from CSV or XLSX
into a ``distribution_key_recorded`` event (``key import``), and the exports for the people who
pay (``distribute --format csv|xlsx -o FILE``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import count_events, opening, party, revision, write_log
from test_distribution import FIXED, WEIGHTS, item, region_values

COLUMNS = ["id", "name", "inwoners", "woonruimten", "oppervlakte"]


def write_csv(path: Path, regions: list[dict], delimiter: str = ";", decimal: str = ",") -> Path:
    """The table as a Dutch spreadsheet writes it: ';' between cells, ',' as the decimal mark."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(COLUMNS)
        for region in regions:
            writer.writerow([str(region.get(c, "")).replace(".", decimal).replace(",", decimal)
                             for c in COLUMNS])
    return path


def write_xlsx(path: Path, regions: list[dict]) -> Path:
    """The table as numbers in cells (the way a sheet holds them)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for region in regions:
        row = []
        for column in COLUMNS:
            value = region[column]
            if column not in ("id", "name") and isinstance(value, str):
                value = float(value.replace(",", "."))
            row.append(value)
        sheet.append(row)
    workbook.save(path)
    return path


def write_weights(path: Path) -> Path:
    # Decimals unquoted, as a person writes YAML: kept as the text they are.
    lines = ["fixed: %d" % FIXED, "weights:"] + [f"  {m}: {w}" for m, w in WEIGHTS.items()]
    lines += ["source:", "  document: 'Regeling (voorbeeld)'", "  section: Bijlage 2"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def opened(akkoord, tmp_path, store):
    events = [opening(), party("A"), party("VR", "region")]
    assert akkoord("--db", store, "import", write_log(tmp_path, events)).status == 0
    return store


def key_import(akkoord, store, table, weights, *extra):
    return akkoord("--db", store, "key", "import", table, "--id", "bdur-2027", "--method",
                   "formula", "--weights", weights, "--title", "BDuR 2027", "--date",
                   "2025-06-27", *extra)


def test_a_region_table_from_csv_and_from_xlsx_gives_the_same_event(akkoord, tmp_path, opened):
    regions = region_values()
    weights = write_weights(tmp_path / "weights.yaml")
    from_csv = key_import(akkoord, opened, write_csv(tmp_path / "regions.csv", regions), weights,
                          "--check", "--json")
    from_xlsx = key_import(akkoord, opened, write_xlsx(tmp_path / "regions.xlsx", regions),
                           weights, "--check", "--json")
    assert from_csv.status == 0 and from_xlsx.status == 0, from_csv.err + from_xlsx.err
    assert from_csv.json() == from_xlsx.json()
    record = from_csv.json()["events"][0]
    assert record["regions"][2] == {"id": "VR03", "name": "Regio 3", "inwoners": 263322,
                                    "woonruimten": "103971.3", "oppervlakte": "39.25"}
    assert record["weights"] == WEIGHTS and record["fixed"] == FIXED
    assert record["source"] == {"document": "Regeling (voorbeeld)", "section": "Bijlage 2"}
    assert count_events(opened) == 3  # --check stores nothing

    # the event as a log file akkoord import reads, and the same event as a log file would give
    printed = key_import(akkoord, opened, tmp_path / "regions.csv", weights, "--check")
    (tmp_path / "key.yaml").write_text(printed.out, encoding="utf-8")
    assert akkoord("--db", opened, "import", tmp_path / "key.yaml").status == 0
    other = tmp_path / "other.db"
    assert akkoord("--db", other, "import", write_log(
        tmp_path, [opening(), party("A"), party("VR", "region")], name="o.json")).status == 0
    assert key_import(akkoord, other, tmp_path / "regions.xlsx", weights).status == 0
    logged = [akkoord("--db", db, "log", "--json", "--type", "distribution_key_recorded").json()
              for db in (opened, other)]
    assert [e["data"] for e in logged[0]] == [e["data"] for e in logged[1]] == [record]


def test_a_shares_table_needs_no_weights_file(akkoord, tmp_path, opened):
    table = tmp_path / "shares.csv"
    table.write_text("id,name,weight\nR1,Een,2\nR2,Twee,1.25\n", encoding="utf-8")
    result = akkoord("--db", opened, "key", "import", table, "--id", "s", "--method", "shares",
                     "--title", "t", "--date", "2025-06-27", "--document", "afspraak", "--json")
    assert result.status == 0, result.err
    assert result.json()["regions"] == 2
    assert akkoord("--db", opened, "key", "list", "--json").json()[0]["method"] == "shares"


# A region table that is refused: (what the table says, what the weights file says, the reason)
TABLE_REFUSALS = {
    "a repeated region id": ("id;name;a\nR1;x;1\nR1;y;2\n", "fixed: 0\nweights: {a: 1}\n",
                             "region id 'R1' repeats in the key"),
    "a missing maatstaf": ("id;name;a;b\nR1;x;1;2\nR2;y;2;\n", "fixed: 0\nweights: {a: 1, b: 2}\n",
                           "region 'R2' is missing maatstaf 'b' of weights"),
    "a base of zero": ("id;name;a\nR1;x;0\nR2;y;2\n", "fixed: 0\nweights: {a: 1}\n",
                       "region 'R1': its base (fixed + weighted maatstaven) 0 must be positive"),
    "fewer than two regions": ("id;name;a\nR1;x;1\n", "fixed: 0\nweights: {a: 1}\n",
                               "at least 2 regions, not 1"),
    "a thousands separator": ("id;name;a\nR1;x;586.000\nR2;y;2\n", "fixed: 0\nweights: {a: 1}\n",
                              "line 2: a '586.000' is ambiguous"),
    "no name column": ("id;a\nR1;1\nR2;2\n", "fixed: 0\nweights: {a: 1}\n", "no column 'name'"),
    "a cell that is not a number": ("id;name;a\nR1;x;veel\nR2;y;2\n", "fixed: 0\nweights: {a: 1}\n",
                                    "line 2: a 'veel' is not a number"),
}


@pytest.mark.parametrize("case", list(TABLE_REFUSALS))
def test_a_refused_region_table_exits_2_and_stores_nothing(akkoord, tmp_path, opened, case):
    table, weights, reason = TABLE_REFUSALS[case]
    (tmp_path / "t.csv").write_text(table, encoding="utf-8")
    (tmp_path / "w.yaml").write_text(weights, encoding="utf-8")
    result = key_import(akkoord, opened, tmp_path / "t.csv", tmp_path / "w.yaml")
    assert result.status == 2
    assert "t.csv" in result.err and reason in result.err and "nothing stored" in result.err, \
        result.err
    assert count_events(opened) == 3


def test_a_second_key_import_with_the_same_id_is_refused(akkoord, tmp_path, opened):
    weights = write_weights(tmp_path / "weights.yaml")
    table = write_csv(tmp_path / "regions.csv", region_values())
    assert key_import(akkoord, opened, table, weights).status == 0
    again = key_import(akkoord, opened, table, weights)
    assert again.status == 2 and "distribution key 'bdur-2027' is already recorded" in again.err
    assert count_events(opened) == 4


def test_a_file_that_is_no_spreadsheet_is_refused_without_a_traceback(akkoord, tmp_path, opened):
    fake = tmp_path / "regions.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    result = key_import(akkoord, opened, fake, write_weights(tmp_path / "w.yaml"))
    assert result.status == 2 and "is not a readable XLSX file" in result.err
    assert "Traceback" not in result.err


# -- the exports ---------------------------------------------------------------------------------


@pytest.fixture
def divided(akkoord, tmp_path, opened):
    weights = write_weights(tmp_path / "weights.yaml")
    assert key_import(akkoord, opened, write_csv(tmp_path / "r.csv", region_values()),
                      weights).status == 0
    assert akkoord("--db", opened, "import", write_log(
        tmp_path, [revision(1, [item("bdur-2027")])], name="r1.json")).status == 0
    return akkoord("--db", opened, "distribute", "versterking", "--json").json()


def check_table(rows: list[list], division: dict) -> None:
    """A row per region, a column per year, the totals that sum exactly, and the key's source."""
    header = rows[0]
    assert header[:3] == ["region", "name", "share"]
    assert header[3:] == ["2025", "2026", "2027+"]
    regions = rows[1:26]
    total = rows[26]
    assert [r[0] for r in regions] == [r["id"] for r in division["regions"]]
    assert total[0] == "total"
    for column, year in enumerate(["2025", "2026", "2027"], start=3):
        cells = [int(r[column]) for r in regions]
        assert cells == [r["by_year"][year] for r in division["regions"]]
        assert sum(cells) == int(total[column]) == division["total"][year]
    assert [r[2] for r in regions] == [r["share"] for r in division["regions"]]
    labelled = {row[0]: row[1:] for row in rows[27:] if row and row[0]}
    assert labelled["key"][0] == "bdur-2027"
    assert labelled["source"][0] == "Regeling (voorbeeld), Bijlage 2"


def test_the_csv_export_opens_with_the_csv_module_and_sums_exactly(akkoord, tmp_path, opened,
                                                                   divided):
    out = tmp_path / "verdeling.csv"
    result = akkoord("--db", opened, "distribute", "versterking", "--format", "csv", "-o", out)
    assert result.status == 0, result.err
    with out.open(encoding="utf-8", newline="") as stream:
        check_table(list(csv.reader(stream)), divided)


def test_the_xlsx_export_opens_with_openpyxl_and_sums_exactly(akkoord, tmp_path, opened, divided):
    from openpyxl import load_workbook

    out = tmp_path / "verdeling.xlsx"
    assert akkoord("--db", opened, "distribute", "versterking", "--format", "xlsx",
                   "-o", out).status == 0
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert all(type(rows[r][c]) is int for r in range(1, 27) for c in range(3, 6))
    check_table([[str(c) if isinstance(c, int) else c for c in row] for row in rows], divided)


def test_an_export_never_overwrites_the_store_nor_leaves_a_half_written_file(akkoord, tmp_path,
                                                                             opened, divided):
    stored = opened.read_bytes()
    result = akkoord("--db", opened, "distribute", "versterking", "--format", "csv", "-o", opened)
    assert result.status == 2 and "is the store or its views" in result.err
    assert opened.read_bytes() == stored
    views = tmp_path / "views.db"
    refused = akkoord("--db", opened, "--views", views, "distribute", "versterking",
                      "--format", "xlsx", "-o", views)
    assert refused.status == 2 and "is the store or its views" in refused.err
    missing = akkoord("--db", opened, "distribute", "versterking", "--format", "csv",
                      "-o", tmp_path / "no" / "such" / "folder.csv")
    assert missing.status == 2 and "cannot write" in missing.err
    assert akkoord("--db", opened, "distribute", "versterking", "-o", tmp_path / "x.csv").status == 2
    assert not list(tmp_path.glob(".akkoord-*"))
    assert not (tmp_path / "x.csv").exists()


def test_the_example_key_imports_divides_and_is_what_key_import_makes_of_its_table(
        akkoord, tmp_path, store):
    from conftest import EXAMPLE_SOURCE, REPO

    examples = REPO / "examples"
    assert akkoord("--db", store, "import", EXAMPLE_SOURCE).status == 0
    made = akkoord("--db", store, "key", "import", examples / "bdur-regions-example.csv",
                   "--method", "formula", "--weights", examples / "bdur-weights.yaml",
                   "--id", "bdur-voorbeeld", "--date", "2025-06-27",
                   "--title", "VOORBEELD: BDuR-systematiek met verzonnen regiocijfers (vervang ze)",
                   "--note", "Voorbeeld: de regiocijfers zijn verzonnen en de gewichten niet "
                             "geverifieerd tegen de gepubliceerde Bijlage 2; vervang ze voor gebruik.",
                   "--check", "--json")
    assert made.status == 0, made.err
    assert akkoord("--db", store, "import", examples / "bdur-key-example.yaml").status == 0
    recorded = akkoord("--db", store, "log", "--json", "--type",
                       "distribution_key_recorded").json()
    assert [e["data"] for e in recorded] == made.json()["events"]
    assert len(recorded[0]["data"]["regions"]) == 25
    assert "VOORBEELD" in recorded[0]["data"]["title"]
    result = akkoord("--db", store, "distribute", "versterking-veiligheidsregios",
                     "--key", "bdur-voorbeeld", "--json")
    assert result.status == 0, result.err
    division = result.json()
    assert division["total"]["2027"] == 25_000_000
    for year, amount in division["total"].items():
        assert sum(r["by_year"][year] for r in division["regions"]) == amount


def test_the_committed_example_store_holds_no_distribution_key(akkoord, example_store):
    listed = akkoord("--db", example_store, "key", "list", "--json")
    assert listed.status == 0 and listed.json() == []
