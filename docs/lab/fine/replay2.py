import sys, itertools
sys.argv = [sys.argv[0], sys.argv[1]]
exec(open('replay.py').read().split("if __name__ == '__main__':")[0])
for n, ratio in itertools.product((3, 4, 5, 6), (1.5, 1.75, 2.0, 2.25)):
    show(f"n={n} ratio={ratio}", run(n=n, ratio=ratio))
