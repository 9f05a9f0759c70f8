"""Two Nameko services that write, each with the shared `Idempotency` dependency.

`idem_orders` is an RPC-method service writing through a SQLAlchemy ORM
session; `idem_shop` runs a Flask app with Flask-SQLAlchemy behind the HTTP
envelope, as a transplanted service does. Both insert one `orders` row per
application, then hold the answer back for `hold` seconds (after the commit,
before the reply), so a test can break the call at that very point;
`idem_orders` can also hold the commit back (`hold_before_commit`), fail after
it (`fail`: a `Conflict` with that message), and
`take_note` writes to a second database, which the keys do not cover. Every
worker that starts appends its method to the file `IDEM_WORKER_LOG`, so a test
sees a re-delivery happen. Run with `nameko run --config`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import Engine, Integer, Text, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from extracted_services.shared.envelope_wsgi import WsgiApp, serve_envelope
from extracted_services.shared.errors import Conflict
from extracted_services.shared.idempotency import Idempotency
from strangler.database import green_url, open_engine


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(Text)


class WorkerLog(DependencyProvider):
    """Appends each worker's method name to `IDEM_WORKER_LOG` when it starts."""

    def worker_setup(self, worker_ctx: Any) -> None:
        with open(os.environ["IDEM_WORKER_LOG"], "a") as log:
            log.write(worker_ctx.entrypoint.method_name + "\n")


class Orders(DependencyProvider):
    """A session factory over the service's database (the test made its `orders` table)."""

    def setup(self) -> None:
        self.engine = open_engine(self.container.config["DATABASE_URL"], green=True)

    def stop(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> Any:
        return lambda: Session(self.engine)


class Notes(DependencyProvider):
    """An engine on a second database (`IDEM_NOTES_URL`), which does not hold the keys."""

    def setup(self) -> None:
        self.engine = open_engine(os.environ["IDEM_NOTES_URL"], green=True)
        with self.engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS notes (note TEXT)"))

    def stop(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> Engine:
        return self.engine


class IdemOrdersService:
    name = "idem_orders"

    idempotency = Idempotency()
    orders = Orders()
    notes = Notes()
    worker_log = WorkerLog()

    @rpc
    def place_order(self, query: Any = None, body: Any = None) -> dict[str, Any]:
        with self.orders() as session:
            order = Order(item=body["item"])
            session.add(order)
            session.flush()
            time.sleep(float(body.get("hold_before_commit", 0)))
            session.commit()
            placed = {"order_id": order.id, "item": order.item}
        if "fail" in body:
            raise Conflict(body["fail"])
        time.sleep(float(body.get("hold", 0)))
        return placed

    @rpc
    def take_note(self, query: Any = None, body: Any = None) -> dict[str, Any]:
        """A write outside the service's database: one the key cannot cover."""
        with self.notes.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES (:note)"), {"note": body["note"]})
        return {"noted": body["note"]}


def create_shop(config: Mapping[str, Any]) -> Flask:
    """The "transplanted" app: a Flask-SQLAlchemy view that commits, then answers."""
    app = Flask("idem_shop")
    url = green_url(make_url(config["DATABASE_URL"]))
    app.config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
    db = SQLAlchemy(app, model_class=Base)

    @app.post("/shop/orders")
    def place_order() -> Any:
        payload = request.get_json()
        order = Order(item=payload["item"])
        db.session.add(order)
        db.session.commit()
        placed = {"order_id": order.id, "item": order.item}
        time.sleep(float(payload.get("hold", 0)))
        return jsonify(placed), 201

    return app


class IdemShopService:
    name = "idem_shop"

    idempotency = Idempotency()
    app = WsgiApp(create_shop)
    worker_log = WorkerLog()

    @rpc
    def http(self, request: Any) -> dict[str, Any]:
        return serve_envelope(self.app, request)
