"""One module per entry kind; `HANDLERS` maps a kind to the function that builds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .contract_binding import build_contract_binding
from .contract_definition import build_contract_definition
from .db_sql_sqlite import build_sqlite
from .env_storage import BUILDERS as ENV_STORAGE_BUILDERS
from .env_variable import build_env_variable
from .exec_native import build_exec_native
from .fs_directory import build_fs_directory
from .http_endpoint import build_http_endpoint
from .http_router import build_http_router
from .http_service import build_http_service
from .http_static import build_http_static
from .lua_function import build_lua_function, build_lua_library
from .ns_dependency import build_ns_dependency
from .passive import OTHER_WIPPY_KINDS, SPEC_KINDS, build_passive
from .process_entries import build_process
from .queue_consumer import build_queue_consumer
from .queue_driver_memory import build_queue_driver_memory
from .queue_queue import build_queue_queue
from .security_policy import build_security_policy
from .security_token_store import build_security_token_store
from .store_memory import build_store_memory
from .template_set import build_template_jet, build_template_set
from .temporal_client import build_temporal_client
from .temporal_worker import build_temporal_worker
from .terminal_host import build_terminal_host
from .wasm_function import build_wasm_function
from .workflow_lua import build_workflow

HANDLERS: dict[str, Callable[[Any, Any], Any]] = {
    "function.wat": build_wasm_function,
    "function.wasm": build_wasm_function,
    "function.lua": build_lua_function,
    "library.lua": build_lua_library,
    "fs.directory": build_fs_directory,
    "security.policy": build_security_policy,
    "env.variable": build_env_variable,
    "store.memory": build_store_memory,
    "db.sql.sqlite": build_sqlite,
    "ns.dependency": build_ns_dependency,
    **{kind: build_passive for kind in SPEC_KINDS + OTHER_WIPPY_KINDS},
    **ENV_STORAGE_BUILDERS,
    "process.wasm": build_process,
    "process.lua": build_process,
    "terminal.host": build_terminal_host,
    "contract.definition": build_contract_definition,
    "contract.binding": build_contract_binding,
    "workflow.lua": build_workflow,
    "temporal.client": build_temporal_client,
    "temporal.worker": build_temporal_worker,
    "exec.native": build_exec_native,
    "template.set": build_template_set,
    "template.jet": build_template_jet,
    "queue.driver.memory": build_queue_driver_memory,
    "queue.queue": build_queue_queue,
    "queue.consumer": build_queue_consumer,
    "http.service": build_http_service,
    "http.router": build_http_router,
    "http.endpoint": build_http_endpoint,
    "http.static": build_http_static,
    "security.token_store": build_security_token_store,
}

__all__ = ["HANDLERS"]
