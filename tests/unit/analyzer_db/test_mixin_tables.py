"""Tables a mixin's declared_attr makes per model, used by the mixin's and the base's methods.

timesketch's StatusMixin/LabelMixin/AccessControlMixin make, in a declared_attr, a mapped class
per model (`self.Status = type(..., {"__tablename__": f"{self.__tablename__:s}_status"})`)
and return a relationship to it, so SearchIndex has `searchindex_status` and
`searchindex_accesscontrolentry`. The mixins' methods use `self.status`, `self.Status(...)`,
`self.AccessControlEntry.query`, and the base's classmethod `get_with_acl` loads
`obj = session.get(cls, id)` and reads `obj.get_status` (a property of a mixin) and calls
`obj.has_permission(...)`: which tables those are is known only for the model each call runs on,
and what those methods read of other tables counts for the caller too; what get_with_acl
returns is an instance of the class it is called on.
"""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import lowercase_declarative_base, route_access

MIXIN_APP = {
    "app/__init__.py": "",
    "app/models/__init__.py": lowercase_declarative_base(
        """
            @classmethod
            def get_with_acl(cls, model_id):
                obj = db_session.get(cls, model_id)
                if obj.get_status.status == "deleted":
                    abort(404)
                if not obj.has_permission("read"):
                    abort(403)
                return obj
        """
    ),
    "app/models/annotations.py": """
        from sqlalchemy import Column, ForeignKey, Integer, Unicode
        from sqlalchemy.ext.declarative import declared_attr
        from sqlalchemy.orm import relationship

        from app.models import BaseModel, db_session

        class Status:
            status = Column(Unicode(255))

        class StatusMixin:
            @declared_attr
            def status(self):
                self.Status = type(
                    "%sStatus" % self.__name__,
                    (Status, BaseModel),
                    {
                        "__tablename__": f"{self.__tablename__:s}_status",
                        "parent_id": Column(Integer, ForeignKey(f"{self.__tablename__}.id")),
                    },
                )
                return relationship(self.Status, cascade="all, delete-orphan")

            @property
            def get_status(self):
                if not self.status:
                    self.status.append(self.Status(status="new"))
                return self.status[0]

            def set_status(self, status):
                self.status = [self.Status(status=status)]
                db_session.commit()
    """,
    "app/models/acl.py": """
        from sqlalchemy import Column, ForeignKey, Integer, Unicode
        from sqlalchemy.ext.declarative import declared_attr
        from sqlalchemy.orm import relationship

        from app.models import BaseModel, db_session
        from app.models.user import Group

        class AccessControlEntry:
            permission = Column(Unicode(255))

        class AccessControlMixin:
            @declared_attr
            def acl(self):
                self.AccessControlEntry = type(
                    "%sAccessControlEntry" % self.__name__,
                    (AccessControlEntry, BaseModel),
                    {
                        "__tablename__": "%s_accesscontrolentry" % self.__tablename__,
                        "parent_id": Column(Integer, ForeignKey("%s.id" % self.__tablename__)),
                    },
                )
                return relationship(self.AccessControlEntry)

            def has_permission(self, permission):
                groups = db_session.query(Group).all()
                return self.AccessControlEntry.query.filter_by(
                    permission=permission, parent=self, group=groups[0]
                ).all()

            def grant_permission(self, permission):
                self.acl.append(self.AccessControlEntry(permission=permission))
                db_session.commit()
    """,
    "app/models/user.py": """
        from sqlalchemy import Column, Unicode

        from app.models import BaseModel

        class Group(BaseModel):
            name = Column(Unicode(255))
    """,
    "app/models/sketch.py": """
        from sqlalchemy import Column, Unicode

        from app.models import BaseModel
        from app.models.acl import AccessControlMixin
        from app.models.annotations import StatusMixin

        class SearchIndex(AccessControlMixin, StatusMixin, BaseModel):
            name = Column(Unicode(255))

        class Note(StatusMixin, BaseModel):
            text = Column(Unicode(255))
    """,
    "app/views.py": """
        from flask import Flask

        from app.models import db_session
        from app.models.sketch import Note, SearchIndex

        site = Flask(__name__)

        @site.route("/indices/<int:index_id>")
        def get_index(index_id):
            return SearchIndex.get_with_acl(index_id).name

        @site.route("/indices/<int:index_id>/status", methods=["POST"])
        def set_index_status(index_id):
            SearchIndex.get_with_acl(index_id).set_status("ready")
            return "ok"

        @site.route("/indices/<int:index_id>/grant", methods=["POST"])
        def grant(index_id):
            searchindex = SearchIndex.get_with_acl(index_id)
            searchindex.grant_permission("read")
            return "ok"

        @site.route("/indices/<int:index_id>", methods=["DELETE"])
        def delete_index(index_id):
            db_session.delete(SearchIndex.get_with_acl(index_id))
            db_session.commit()
            return "ok"

        @site.route("/notes/<int:note_id>")
        def note_status(note_id):
            note = db_session.get(Note, note_id)
            return note.get_status.status
    """,
}

# has_permission's own query of `group`: reached only through get_with_acl's `obj`
CHECKED_INDEX = ("group", "searchindex", "searchindex_accesscontrolentry", "searchindex_status")


def test_tables_of_mixin_made_classes_per_model(tmp_path: Path) -> None:
    access = route_access(tmp_path, MIXIN_APP)
    checked = access["get_index"]
    assert sorted({*checked.reads, *checked.indirect}) == list(CHECKED_INDEX)
    assert checked.writes == ()  # get_status's new status is not committed there
    assert access["set_index_status"].writes == ("searchindex_status",)
    assert access["grant"].writes == ("searchindex_accesscontrolentry",)
    assert access["delete_index"].writes == ("searchindex",)  # get_with_acl returns an M
    note = access["note_status"]
    assert sorted({*note.reads, *note.indirect}) == ["note", "note_status"]
