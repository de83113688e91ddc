# expect: passed
# HOME is writable and empty: libraries that keep settings there
# (~/.config, ~/.cache) work, and see nothing of an earlier example.
import os
home = os.path.expanduser("~")
assert home == os.environ["HOME"] == os.getcwd(), (home, os.getcwd())
assert os.listdir(home) == []
os.makedirs(os.path.join(home, ".config", "lib"))
open(os.path.join(home, ".config", "lib", "rc"), "w").write("x")
