"""The tables a service's models may load, worked out by hand from small schemas and from
the clinic fixture's models (`tests/fixtures/extract_apps/clinic/clinic/models.py`)."""

from __future__ import annotations

from pathlib import Path

from analyzer.resolution.results import Table
from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.package_files import service_tables
from extractor.related_tables import with_related_tables
from extractor.selection import select_routes

CLINIC = Path(__file__).resolve().parents[2] / "fixtures" / "extract_apps" / "clinic"

MODELS = (
    Table("patients", "models.py", 1, "clinic.models.Patient"),
    Table("doctors", "models.py", 2, "clinic.models.Doctor"),
    Table("specialties", "models.py", 3, "clinic.models.Specialty"),
    Table("doctor_specialties", "models.py", 4, None, ("doctors", "specialties")),
    Table("appointments", "models.py", 5, "clinic.models.Appointment", ("patients", "doctors")),
)
CORE = (
    Table("users", "schema.py", 1),
    Table("orders", "schema.py", 2, None, ("users",)),
    Table("products", "schema.py", 3),
    Table("order_items", "schema.py", 4, None, ("orders", "products")),
    Table("audit_log", "schema.sql", 5, None, ("users",)),
)


def test_parents_and_a_models_association_table_come_along() -> None:
    assert with_related_tables(["appointments"], MODELS) == [
        "appointments", "doctor_specialties", "doctors", "patients", "specialties",
    ]  # fmt: skip
    assert with_related_tables(["patients"], MODELS) == ["patients"]


def test_core_tables_referring_to_a_needed_table_stay_behind() -> None:
    assert with_related_tables(["users"], CORE) == ["users"]
    assert with_related_tables(["order_items"], CORE) == [
        "order_items", "orders", "products", "users",
    ]  # fmt: skip


def test_the_clinic_api_gets_the_doctors_specialties_its_views_never_name() -> None:
    analysis = analyze_project(CLINIC, AnalyzeOptions(show_progress=False))
    chosen = select_routes(analysis, blueprints=["api"])
    seen = service_tables(chosen, (analysis.route_access, analysis.route_hook_access))
    assert with_related_tables(seen, analysis.tables) == [
        "api_tokens", "appointments", "doctor_specialties", "doctors", "patients",
        "specialties", "users",
    ]  # fmt: skip
