# Writes prefect_cases.json: what Prefect 3.9.1's own code gives on these
# inputs (see README). Run with the Python of .ci/install-prefect's venv.
import json
import random

from prefect.utilities.templating import PLACEHOLDER_CAPTURE_REGEX

texts = ["{{ a }}", "x{{a}}y", "{{{ a }}", "{{ a }}}", "{{  prefect.blocks.s.n.k[0]  }}", "{{\ta\n}}", "{{ a b }}", "{{}}", "{{ }}", "{{ $HOME }}/x{{$USER}}",
         "{{ a.b-c[1]$ }}", "{{ é }}", "{{ ١ }}", "{{ a\u00a0}}", "{{\u2003a\u3000}}", "{{\x1ca\x1f}}", "{{ a\u0301 }}", "{{ a }", "{ { a }}", "{{ a }} {{ b }} {{ a }}",
         "{{{{ a }}}}", "{{ prefect.variables.x }}!", "{{ a+b }}", "{{ 𝟗 }}", "{{ a\x00 }}", "{{ Ⅻ }}", "{{ \u200b a }}", "a{{", "}}{{x}}{{", "{{ a}}b{{c }}"]
find = [{"text": t, "matches": [m.group(1) for m in PLACEHOLDER_CAPTURE_REGEX.finditer(t)]} for t in texts]

nums = ["1.0", "1.10", "100", "1e2", "-0", "-0.0", "12345678901234567890", "12345678901234567890.0", "1e16", "1e15", "0.0001", "0.00001", "1.5e-5",
        "123.456", "1e400", "-1e400", "3.141592653589793", "2.5e-310", "1E+2", "0.1", "1e22", "9007199254740993", "5e-324", "true", "false", "null",
        "\"s\"", "-1.5E-7", "1e-4", "123456789012345678", "0.5", "-0", "1e+16", "99999999999999999", "1.7976931348623157e308"]
random.seed(1)
for _ in range(200):
    f = random.choice([random.uniform(-1e20, 1e20), random.uniform(-1, 1) * 10 ** random.randint(-30, 30), float(random.randint(-10**6, 10**6))])
    nums.append(repr(f))
strs = [[n, str(json.loads(n))] for n in nums]
print(json.dumps({"find": find, "str": strs}, ensure_ascii=False, indent=1))
