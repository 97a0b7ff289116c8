"""The kernel against jupyter_kernel_test's protocol checks, every applicable sample filled."""

from __future__ import annotations

import unittest

import jupyter_kernel_test as jkt

from . import kernelspec  # noqa: F401  (installs the kernelspec)


class WippyKernelTests(jkt.KernelTests):
    kernel_name = "wippy"
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = "print('hello, world')"
    code_stderr = "io.stderr:write('oops\\n')"
    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "re", "matches": {"registry", "repeat", "require", "return"}},
        {"text": "funcs.ca", "matches": {"call"}},
        {"text": "string.up", "matches": {"upper"}},
        {"text": "%lsm", "matches": {"%lsmagic"}},
    ]
    complete_code_samples = ["x = 1", "print(1)", "%%wat a:b\n(module)", "1 + 2"]
    incomplete_code_samples = ["for i = 1, 3 do", "function f(x)\n  return x",
                               "%%wat a:b\n(module (func", "t = {1, 2,"]
    invalid_code_samples = ["x = = 1", "end end", "%%wat a:b\n(module))"]
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'a' .. 'b'", "result": '"ab"'},
        {"code": "{1, 2, x = 'y'}", "result": '{1, 2, x = "y"}'},
        {"code": "local a = 20\na + 1", "result": "21"},
    ]
    code_display_data = [
        {"code": "%%wat t:noop\n(module (func (export \"noop\")))", "mime": "text/html"},
        {"code": "%entries", "mime": "text/plain"},
    ]
    code_inspect_sample = "funcs.call"
    code_generate_error = "error('kaput')"
    code_page_something = "%wat?"
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"
    code_clear_output = "clear_output()"

    def test_wippy_kernel_info_no_debugger(self) -> None:
        self.flush_channels()
        msg_id = self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        content = reply["content"]
        self.assertNotIn("debugger", content["supported_features"])
        self.assertEqual(content["language_info"]["codemirror_mode"], "lua")
        self.assertEqual(content["language_info"]["mimetype"], "text/x-lua")
        self.assertEqual(content["implementation"], "wippy")


if __name__ == "__main__":
    unittest.main()
