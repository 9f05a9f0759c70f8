"""Tables named by a declarative base's `declared_attr __tablename__` built from the class name.

timesketch's `@as_declarative() class BaseModel` returns `self.__name__.lower()` (the parameter
is not called `cls`), so `SearchIndex` maps to `searchindex`; its models live in other modules
than the base, which must still name them. Other bases build the name with an f-string, `%`,
`+` or `.format` around the class name, or hand it to a camel -> snake helper.
"""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import lowercase_declarative_base, route_access

NAMING_APP = {
    "app/__init__.py": "",
    "app/models/__init__.py": lowercase_declarative_base(
        """
        class LocalThing(BaseModel):
            name = Column(Integer)
        """
    ),
    "app/models/sketch.py": """
        from sqlalchemy import Column, ForeignKey, Integer

        from app.models import BaseModel

        class SearchIndex(BaseModel):
            user_id = Column(Integer, ForeignKey("user.id"))

        class TimelineEntry(BaseModel):
            searchindex_id = Column(Integer, ForeignKey("searchindex.id"))

        class Legacy(BaseModel):
            __tablename__ = "legacy_things"
    """,
    "app/views.py": """
        from flask import Flask

        from app.models import LocalThing, db_session
        from app.models.sketch import Legacy, SearchIndex, TimelineEntry

        site = Flask(__name__)

        @site.route("/indices")
        def indices():
            found = db_session.query(SearchIndex).all()
            return str([found, db_session.query(TimelineEntry).all()])

        @site.route("/things", methods=["POST"])
        def add_thing():
            db_session.add(LocalThing(name=1))
            db_session.commit()
            return "ok"

        @site.route("/legacy")
        def legacy():
            return str(db_session.query(Legacy).all())
    """,
}


def test_a_base_in_another_module_names_its_models_by_its_rule(tmp_path: Path) -> None:
    access = route_access(tmp_path, NAMING_APP)
    assert access["indices"].reads == ("searchindex", "timelineentry")
    assert access["add_thing"].writes == ("localthing",)
    assert access["legacy"].reads == ("legacy_things",)  # its own __tablename__ wins


def _naming_app(expression: str) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/base.py": f"""
            import re

            from sqlalchemy.orm import declarative_base, declared_attr

            def camel_to_snake(name):
                return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

            class NamedBase:
                @declared_attr
                def __tablename__(cls):
                    return {expression}

            Base = declarative_base(cls=NamedBase)
        """,
        "app/views.py": """
            from flask import Flask
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import Session

            from app.base import Base

            site = Flask(__name__)
            session = Session()

            class UserGroup(Base):
                id = Column(Integer, primary_key=True)

            @site.route("/groups")
            def groups():
                return str(session.query(UserGroup).all())
        """,
    }


def test_expressions_of_the_class_name(tmp_path: Path) -> None:
    cases = {
        'f"tbl_{cls.__name__.lower()}"': "tbl_usergroup",
        '"%s_items" % cls.__name__.lower()': "usergroup_items",
        '"app_" + cls.__name__.lower() + "s"': "app_usergroups",
        '"{}_v2".format(cls.__name__).lower()': "usergroup_v2",
        "cls.__name__": "UserGroup",
        'camel_to_snake(cls.__name__) + "s"': "user_groups",
    }
    for number, (expression, table) in enumerate(cases.items()):
        root = tmp_path / str(number)
        access = route_access(root, _naming_app(expression))
        assert access["groups"].reads == (table,), expression


def test_a_rule_read_from_elsewhere_keeps_the_default_name(tmp_path: Path) -> None:
    access = route_access(tmp_path, _naming_app("cls.table_prefix + cls.__name__"))
    assert access["groups"].reads == ("user_group",)  # Flask-SQLAlchemy's default rule
