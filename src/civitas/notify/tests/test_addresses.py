"""Postal addresses are checked as GOV.UK Notify checks them before a letter is printed."""

import pytest

from civitas.notify.addresses import check_address, postage_zone


def test_it_accepts_a_uk_address_and_tidies_its_postcode():
    lines, problem = check_address("Ms A Resident\n 1  High Street, \n\nExampleton\nsw1a1aa")
    assert problem == ""
    assert lines == ["Ms A Resident", "1 High Street", "Exampleton", "SW1A 1AA"]


def test_it_drops_the_uk_after_the_postcode():
    lines, problem = check_address("A Resident\n1 High Street\nExampleton\nEB1 1AA\nUnited Kingdom")
    assert problem == ""
    assert lines[-1] == "EB1 1AA"


def test_it_accepts_a_bfpo_address():
    lines, problem = check_address("Sgt A Soldier\nUnit 1\nbfpo 801")
    assert (lines[-1], problem) == ("BFPO 801", "")


@pytest.mark.parametrize("country", ["France", "  new   zealand ", "Bosnia & Herzegovina", "USA"])
def test_it_accepts_a_country_on_the_last_line(country):
    _lines, problem = check_address(f"M. A Résident\n1 rue de la Paix\n75002 Paris\n{country}")
    assert problem == ""


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("A Resident\nEB1 1AA", "Address must be at least 3 lines"),
        ("\n\nA Resident\n\n  \nEB1 1AA\n", "Address must be at least 3 lines"),
        (
            "\n".join(f"line {n}" for n in range(8)) + "\nEB1 1AA",
            "Address must be no more than 7 lines",
        ),
        ("A Resident\n1 High Street\nExampleton\nEB1 1A", "Must be a real UK postcode"),
        ("A Resident\n1 High Street\nExampleton\nQQ1 1AA", "Must be a real UK postcode"),
        (
            "A Resident\n1 High Street\nLondon",
            "Last line of the address must be a real UK postcode or another country",
        ),
        ("A Resident\nNo fixed abode\nEB1 1AA", "Must be a real address"),
        ("A Resident\nNFA\nExampleton\nEB1 1AA", "Must be a real address"),
        ("A Resident\n" + "x" * 51 + "\nEB1 1AA", "Address lines must be 50 characters or fewer"),
    ],
)
def test_it_refuses_an_address_that_cannot_be_posted(address, problem):
    assert check_address(address)[1] == problem


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "<", "(", "\\", "~", '"'])
def test_it_refuses_a_line_that_starts_like_a_formula_or_markup(first):
    _lines, problem = check_address(f"{first}HYPERLINK(evil)\n1 High Street\nEB1 1AA")
    assert problem.startswith("Address lines must not start with any of the following characters:")


@pytest.mark.parametrize(
    ("country", "postage"),
    [("France", "europe"), ("bosnia and herzegovina", "europe"), ("Japan", "rest-of-world")],
)
def test_a_letter_abroad_is_posted_in_its_countrys_zone(country, postage):
    lines, problem = check_address(f"A Resident\n1 Rue\n{country}")
    assert problem == ""
    assert postage_zone(lines) == postage


def test_a_letter_in_the_uk_has_no_zone():
    assert postage_zone(check_address("A Resident\n1 High Street\nEB1 1AA")[0]) == ""
