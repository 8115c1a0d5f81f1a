#!/usr/bin/env python3
"""Independent reference for src/rng.rs: SplitMix64, xoshiro256** (with jump), derive_seed and
Box-Muller, written from the published algorithms with Python's arbitrary-precision integers.

Run `python3 tests/oracles/rng_reference.py > tests/oracles/rng_reference.txt` to regenerate.
"""
import math

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def splitmix64(seed):
    state = seed
    while True:
        state = (state + GAMMA) & M64
        yield mix64(state)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro:
    def __init__(self, seed):
        sm = splitmix64(seed)
        self.s = [next(sm) for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def jump(self):
        acc = [0, 0, 0, 0]
        for word in (0x180EC6D33CFD0ABA, 0xD5A61266F0C9392C, 0xA9582618E03FC9AA, 0x39ABDC4529B1661C):
            for b in range(64):
                if word >> b & 1:
                    acc = [a ^ s for a, s in zip(acc, self.s)]
                self.next()
        self.s = acc

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def derive_seed(master, index):
    return mix64((master + GAMMA) & M64) ^ mix64(((index + 1) * GAMMA) & M64)


def main():
    sm = splitmix64(1234567)
    print("[splitmix64 seed=1234567]")
    for _ in range(5):
        print(next(sm))
    g = Xoshiro(42)
    print("[xoshiro256** seed=42]")
    for _ in range(8):
        print(g.next())
    g = Xoshiro(42)
    g.jump()
    g.jump()
    print("[xoshiro256** seed=42 jumped twice]")
    for _ in range(4):
        print(g.next())
    print("[derive_seed master=2025 index=0..4]")
    for i in range(4):
        print(derive_seed(2025, i))
    g = Xoshiro(7)
    print("[normal_pair seed=7]")
    for _ in range(6):
        u1 = 1.0 - g.uniform()
        u2 = g.uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        print(repr(r * math.cos(2 * math.pi * u2)), repr(r * math.sin(2 * math.pi * u2)))


if __name__ == "__main__":
    main()
