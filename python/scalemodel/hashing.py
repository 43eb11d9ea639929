"""Hash functions, placement schemes and distribution analysis.

How keys land on nodes under the placement schemes real systems use, how even the result
is, and what moves when the cluster changes. Keys are a 1-D NumPy array of non-negative
integers (taken as uint64), a sequence of ``str``/``bytes`` (``str`` is encoded as UTF-8),
a :class:`PackedKeys` (a sequence packed once, for repeated use), or, for the analysis
functions, a :class:`KeyStream` that is generated in chunks and never stored whole.

Integer keys are serialized as the modelled client would: Redis Cluster and ketama hash
their decimal text (``123`` -> ``"123"``), Kafka and Cassandra their 8-byte big-endian form
(Kafka's LongSerializer, a CQL bigint); the generic schemes hash the 8 little-endian bytes
with xxHash64. All work runs in C++ with the GIL released, on ``threads`` threads (0 = all
cores); the result never depends on the thread count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pandas as pd

from scalemodel import _core
from scalemodel import plot as _plot
from scalemodel._arrays import api_dir as _api_dir
from scalemodel._arrays import integer as _integer
from scalemodel._arrays import number as _number
from scalemodel._arrays import threads as _threads
from scalemodel._arrays import whole as _whole
from scalemodel.results import TableDisplay as _TableDisplay

__all__ = [
    "HAPROXY_PRNG_STATE",
    "REDIS_SLOTS",
    "Balance",
    "BoundedLoad",
    "Cassandra",
    "Jump",
    "Kafka",
    "KeyStream",
    "Maglev",
    "Modulo",
    "Movement",
    "MultiProbe",
    "PackedKeys",
    "RedisCluster",
    "Rendezvous",
    "Ring",
    "Scheme",
    "Sweep",
    "balance",
    "cassandra_token",
    "expected_ring_imbalance",
    "haproxy_random_draws",
    "haproxy_random_shares",
    "jump",
    "kafka_murmur2",
    "kafka_partition",
    "movement",
    "movement_vs_size",
    "pack",
    "redis_slot",
    "spread_vs_vnodes",
    "xxh64",
]

_h = _core.hashing
PackedKeys = _h.PackedKeys
REDIS_SLOTS = 16384
#: the state haproxy's statistical_prng (xorshift32) starts from in every process (first thread)
HAPROXY_PRNG_STATE: int = int(_h.HAPROXY_PRNG_STATE)


# --- keys ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyStream:
    """A generated key stream, analysed chunk by chunk without storing it.

    kind: ``"sequential"`` (keys start, start + 1, ...), ``"uniform"`` (uniform random
    64-bit keys from ``seed``) or ``"zipf"`` (keys start, start + 1, ... where the key of
    rank r carries popularity weight (r + 1)^-exponent: loads and movement are then
    weighted by popularity). count: number of keys, 1 to 2^40.
    """

    kind: str
    count: int
    seed: int = 0
    start: int = 0
    exponent: float = 1.0
    _engine: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Types here; kind, count and exponent are range-checked once, by the engine.
        if not isinstance(self.kind, str):
            raise TypeError(f"kind must be a str, got {type(self.kind).__name__}")
        values = {
            "count": _integer("count", self.count),
            "seed": _whole("seed", self.seed, 0, 2**64 - 1),
            "start": _whole("start", self.start, 0, 2**64 - 1),
            "exponent": _number("exponent", self.exponent),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_engine", _h.KeyStream(self.kind, **values))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuilt from the parameters: the engine object does not pickle.
        return (KeyStream, (self.kind, self.count, self.seed, self.start, self.exponent))

    @property
    def weighted(self) -> bool:
        """True for popularity-weighted (Zipf) streams."""
        return self.kind == "zipf"


KeysLike = Union[np.ndarray, Sequence[str], Sequence[bytes], "PackedKeys"]


def pack(keys: Sequence[str | bytes]) -> PackedKeys:
    """Pack a sequence of str/bytes keys once (UTF-8), to hash or assign them many times."""
    if isinstance(keys, (str, bytes)):
        raise TypeError("keys must be a sequence of keys, not a single str or bytes")
    try:
        return PackedKeys(keys)
    except RuntimeError as e:  # pragma: no cover - a non-sequence
        raise TypeError(f"keys must be a sequence of str or bytes: {e}") from None


def _keys(keys: Any, *, integers_only: bool = False, signed: bool = False) -> Any:
    """The engine's form of `keys`: a uint64 array or PackedKeys; TypeError/ValueError otherwise.
    ``signed``: negative integers are taken as Java longs (two's complement bytes)."""
    if isinstance(keys, PackedKeys):
        if integers_only:
            raise TypeError("keys must be an integer array here, got PackedKeys")
        if len(keys) == 0:
            raise ValueError("keys must not be empty")
        return keys
    if isinstance(keys, (str, bytes)):
        raise TypeError("keys must be an array or a sequence of keys, not a single str or bytes")
    if isinstance(keys, np.ndarray):
        arr = keys
    elif isinstance(keys, Sequence) and len(keys) > 0 and isinstance(keys[0], (str, bytes)):
        if integers_only:
            raise TypeError("keys must be an integer array here, got a sequence of str/bytes")
        packed = PackedKeys(keys)
        return packed
    else:
        try:
            arr = np.asarray(keys)
        except (TypeError, ValueError):
            raise TypeError(
                f"keys must be an integer array or a sequence of str/bytes, got {type(keys).__name__}"
            ) from None
    if arr.ndim != 1:
        raise ValueError(f"keys must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("keys must not be empty")
    if arr.dtype.kind == "u":
        return np.ascontiguousarray(arr, dtype=np.uint64)
    if arr.dtype.kind == "i" and signed:
        return np.ascontiguousarray(arr, dtype=np.int64).view(np.uint64)
    if arr.dtype.kind == "i":
        if np.any(arr < 0):
            raise ValueError("keys must be non-negative integers (taken as uint64)")
        return np.ascontiguousarray(arr, dtype=np.uint64)
    raise TypeError(f"keys must be an integer array or a sequence of str/bytes, got dtype {arr.dtype}")


# --- hash functions -----------------------------------------------------------------------
def redis_slot(keys: Any, *, threads: int = 0) -> np.ndarray:
    """Redis Cluster key slot in [0, 16384): CRC16-XMODEM of the hash tag or key, mod 16384.

    A key's hash tag is the text between its first ``{`` and the first ``}`` after it, when
    not empty; then only the tag is hashed, so ``{user1000}.following`` and
    ``{user1000}.followers`` share a slot. Integer keys are hashed as decimal text.
    """
    return _h.redis_slot(_keys(keys), _threads(threads))


def kafka_murmur2(keys: Any, *, threads: int = 0) -> np.ndarray:
    """Kafka's Java-client murmur2 of each key, as a signed 32-bit int (Utils.murmur2)."""
    return _h.kafka_murmur2(_keys(keys, signed=True), _threads(threads))


def kafka_partition(keys: Any, partitions: int, *, threads: int = 0) -> np.ndarray:
    """Partition of each keyed record under Kafka's default partitioner.

    toPositive(murmur2(key bytes)) % partitions, as the Java client computes it; partitions
    is a whole number >= 1. Integer keys are taken as LongSerializer bytes (8, big-endian;
    negative ones as Java's signed longs, two's complement).
    """
    return _h.kafka_partition(
        _keys(keys, signed=True), _whole("partitions", partitions, 1, 2**31 - 1), _threads(threads)
    )


def cassandra_token(keys: Any, *, threads: int = 0) -> np.ndarray:
    """Cassandra Murmur3Partitioner token (int64) of each partition key.

    The first 64 bits of Cassandra's MurmurHash3 x64-128 (seed 0), including its quirk of
    sign-extending tail bytes >= 0x80; the empty key gets the minimum token -2^63. Integer
    keys are taken as CQL bigint bytes (8, big-endian, two's complement for negative ones).
    """
    return _h.cassandra_token(_keys(keys, signed=True), _threads(threads))


def jump(keys: Any, buckets: int, *, threads: int = 0) -> np.ndarray:
    """Jump consistent hash (Lamping and Veach 2014) of 64-bit integer keys into [0, buckets).

    The keys are used as they are (as Guava's ``Hashing.consistentHash(long, int)`` does); hash
    string keys first, e.g. with :func:`xxh64`. buckets: whole number >= 1.
    """
    return _h.jump(
        _keys(keys, integers_only=True), _whole("buckets", buckets, 1, 2**31 - 1), _threads(threads)
    )


def xxh64(keys: Any, *, seed: int = 0, threads: int = 0) -> np.ndarray:
    """xxHash64 (libxxhash) of each key's bytes; integer keys as 8 little-endian bytes."""
    return _h.xxh64(_keys(keys), _whole("seed", seed, 0, 2**64 - 1), _threads(threads))


# --- schemes ------------------------------------------------------------------------------
def _names(nodes: Any) -> list[str]:
    if isinstance(nodes, (int, np.integer)) and not isinstance(nodes, bool):
        n = _whole("nodes", nodes, 1, 1 << 20)
        return [f"node-{i}" for i in range(n)]
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Sequence):
        raise TypeError(f"nodes must be a count or a sequence of node names, got {type(nodes).__name__}")
    names = list(nodes)
    if not names:
        raise ValueError("nodes must name at least one node")
    if not all(isinstance(x, str) for x in names):
        raise TypeError("nodes must be a count or a sequence of str node names")
    if len(set(names)) != len(names):
        raise ValueError("nodes must have distinct names")
    return names


def _weights(weights: Any, n: int) -> list[float]:
    if weights is None:
        return []
    arr = np.asarray(weights)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise TypeError("weights must be a sequence of numbers, one per node")
    if arr.size != n:
        raise ValueError(f"weights must have one entry per node ({n}), got {arr.size}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("weights must be finite numbers > 0")
    return [float(x) for x in arr]


class Scheme:
    """A placement scheme: ``assign(keys)`` gives each key's node index into ``names``."""

    _impl: Any
    names: tuple[str, ...]
    _params: dict[str, Any]

    if TYPE_CHECKING:
        # Every scheme is built from its nodes and its settings (resized, unpickling).
        def __init__(self, nodes: Any, **params: Any) -> None: ...

    def _init(self, impl: Any, names: Sequence[str], **params: Any) -> None:
        self._impl = impl
        self.names = tuple(names)
        self._params = params

    @property
    def nodes(self) -> int:
        """Number of nodes."""
        return int(self._impl.nodes)

    def nominal_shares(self) -> np.ndarray:
        """The share of keys each node is meant to get (its weight over the total)."""
        return np.asarray(self._impl.nominal_shares())

    def assign(self, keys: Any, *, threads: int = 0) -> np.ndarray:
        """Node index (int32, into ``names``) of every key."""
        return self._impl.assign(_keys(keys), _threads(threads))

    def resized(self, nodes: Any) -> Scheme:
        """The same kind of scheme, with the same settings, on other nodes."""
        return type(self)(nodes, **self._params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), list(self.names), self._params))

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self._params.items() if v is not None)
        return f"{type(self).__name__}({self.nodes} nodes{params})"


def _rebuild(cls: type[Scheme], names: list[str], params: dict[str, Any]) -> Scheme:
    return cls(names, **params)


class Modulo(Scheme):
    """hash(key) % nodes (xxHash64): even, but almost every key moves when nodes change."""

    def __init__(self, nodes: Any) -> None:
        names = _names(nodes)
        self._init(_h.Modulo(len(names)), names)


class Jump(Scheme):
    """Jump consistent hash of each key's xxHash64: even, and only 1/(n+1) moves on growth.

    Nodes can only be added or removed at the end (bucket indices are positions).
    """

    def __init__(self, nodes: Any) -> None:
        names = _names(nodes)
        self._init(_h.Jump(len(names)), names)


class Kafka(Scheme):
    """Kafka's default partitioner: toPositive(murmur2(key)) % partitions."""

    def __init__(self, nodes: Any) -> None:
        names = _names(nodes)
        self._init(_h.KafkaPartitioner(len(names)), names)


class Ring(Scheme):
    """Consistent-hash ring with virtual nodes.

    mode ``"consistent"``: each node gets round(vnodes x weight) points at
    xxHash64(``"<name>-<j>"``) on a 64-bit ring (vnodes default 150), a key goes to the first
    point at or after its xxHash64. mode ``"ketama"``: libketama's and uhashring's placement,
    exactly: node i gets floor(vnodes x nodes x weight_i / sum(weights)) MD5 digests of
    ``"<name>-<j>"``, four 32-bit little-endian points per digest (vnodes default 40, whole
    weights), and a key goes to the first point strictly after the first four bytes of its
    MD5. mode ``"libketama"``: libketama's own continuum, which differs from uhashring's only
    in rounding the digest count in float and in sending a key that hits a point exactly to
    that point. weights: one positive number per node (default all 1).
    """

    def __init__(
        self, nodes: Any, vnodes: int | None = None, weights: Any = None, mode: str = "consistent"
    ) -> None:
        names = _names(nodes)
        if mode not in ("consistent", "ketama", "libketama"):
            raise ValueError(f"mode must be 'consistent', 'ketama' or 'libketama', got {mode!r}")
        v = (150 if mode == "consistent" else 40) if vnodes is None else _whole("vnodes", vnodes, 1, 1 << 20)
        w = _weights(weights, len(names))
        self._init(_h.Ring(names, v, w, mode), names, vnodes=vnodes, weights=weights, mode=mode)

    def arc_shares(self) -> np.ndarray:
        """Exact fraction of the hash ring each node owns (what uniform keys converge to)."""
        return np.asarray(self._impl.arc_shares())

    def points_per_node(self) -> np.ndarray:
        """Ring points each node holds (virtual nodes; x4 in ketama modes)."""
        return np.asarray(self._impl.points_per_node())

    def locate(self, keys: Any) -> tuple[np.ndarray, np.ndarray]:
        """Each key's ring position and the ring point it lands on (uint64 arrays)."""
        pos, point = self._impl.locate(_keys(keys))
        return np.asarray(pos), np.asarray(point)


class Rendezvous(Scheme):
    """Rendezvous (highest random weight) hashing; weighted by score -w / ln(u)."""

    def __init__(self, nodes: Any, weights: Any = None) -> None:
        names = _names(nodes)
        self._init(_h.Rendezvous(names, _weights(weights, len(names))), names, weights=weights)


class Maglev(Scheme):
    """Maglev hashing: a lookup table of prime size (default 65537) filled by per-node permutations."""

    def __init__(self, nodes: Any, table_size: int = 65537) -> None:
        names = _names(nodes)
        m = _whole("table_size", table_size, 2, 1 << 26)
        self._init(_h.Maglev(names, m), names, table_size=table_size)

    def table(self) -> np.ndarray:
        """The lookup table: the node index of each entry."""
        return np.asarray(self._impl.table())


class BoundedLoad(Scheme):
    """Consistent hashing with bounded loads: no node gets more than ceil((1 + eps) keys / nodes).

    Keys are placed in the order given, each on the first node clockwise from its position
    (a ring of ``vnodes`` points per node) that is below capacity; the assignment of a key
    therefore depends on the keys before it, and runs on one thread. eps > 0.
    """

    def __init__(self, nodes: Any, eps: float = 0.25, vnodes: int = 150) -> None:
        names = _names(nodes)
        e = _number("eps", eps)
        v = _whole("vnodes", vnodes, 1, 1 << 20)
        self._init(_h.BoundedLoad(names, v, e), names, eps=eps, vnodes=vnodes)

    def capacity(self, keys: int) -> int:
        """Most keys any node takes when ``keys`` keys are placed."""
        return int(self._impl.capacity(_whole("keys", keys, 0, 2**62)))


class MultiProbe(Scheme):
    """Multi-probe consistent hashing: one point per node, ``probes`` lookups per key (default 21)."""

    def __init__(self, nodes: Any, probes: int = 21) -> None:
        names = _names(nodes)
        self._init(_h.MultiProbe(names, _whole("probes", probes, 1, 1024)), names, probes=probes)


class RedisCluster(Scheme):
    """Redis Cluster: key -> CRC16 slot (hash tags honoured) -> node by a 16384-slot map.

    Give ``nodes`` for the contiguous allocation ``redis-cli --cluster create`` makes, or a
    ``slot_owner`` array (node index of every slot). :meth:`add_node` rebalances as
    ``redis-cli --cluster rebalance`` aims to: every node ends with its even share, and a
    slot moves only to the new node.
    """

    def __init__(self, nodes: Any = 3, slot_owner: Any = None) -> None:
        if slot_owner is None:
            names = _names(nodes)
            owner = _h.RedisCluster.even_slots(len(names))
        else:
            arr = np.asarray(slot_owner)
            if arr.dtype.kind not in "iu":
                raise TypeError("slot_owner must be an integer array of node indices")
            if arr.shape != (REDIS_SLOTS,):
                raise ValueError(f"slot_owner must have {REDIS_SLOTS} entries, got shape {arr.shape}")
            if arr.min() < 0:
                raise ValueError("slot_owner must hold node indices >= 0")
            owner = [int(x) for x in arr]
            names = _names(nodes) if not isinstance(nodes, (int, np.integer)) else _names(int(arr.max()) + 1)
        impl = _h.RedisCluster(owner)
        if len(names) != impl.nodes:
            raise ValueError(f"nodes must name {impl.nodes} nodes for this slot map, got {len(names)}")
        self._init(impl, names)
        self._slot_owner = np.asarray(impl.slot_owner(), dtype=np.int32)

    def slot_owner(self) -> np.ndarray:
        """Node index of every slot (16384 entries)."""
        return self._slot_owner.copy()

    def add_node(self, name: str | None = None) -> RedisCluster:
        """The cluster after adding one node and rebalancing slots to it."""
        new = name if name is not None else f"node-{self.nodes}"
        return RedisCluster([*self.names, new], slot_owner=self._impl.with_added_node())

    def resized(self, nodes: Any) -> Scheme:
        return RedisCluster(nodes)

    def __reduce__(self) -> tuple[Any, ...]:
        return (RedisCluster, (list(self.names), self._slot_owner))


class Cassandra(Scheme):
    """Cassandra's token ring: ``num_tokens`` random tokens per node (default 256, the default
    before Cassandra 4.0; 16 since), keys placed by their Murmur3Partitioner token.

    A partition key belongs to the node holding the first token >= its token, wrapping
    around. Node i's tokens come from (seed, i), so nodes keep their tokens when one joins.
    """

    def __init__(self, nodes: Any, num_tokens: int = 256, seed: int = 0) -> None:
        names = _names(nodes)
        t = _whole("num_tokens", num_tokens, 1, 1 << 16)
        sd = _whole("seed", seed, 0, 2**64 - 1)
        self._init(_h.CassandraRing(len(names), t, sd), names, num_tokens=num_tokens, seed=seed)

    def arc_shares(self) -> np.ndarray:
        """Exact fraction of the token range each node owns."""
        return np.asarray(self._impl.arc_shares())

    def tokens(self) -> tuple[np.ndarray, np.ndarray]:
        """The sorted tokens (int64) and the node index holding each."""
        return np.asarray(self._impl.tokens(), dtype=np.int64), np.asarray(
            self._impl.token_owners(), dtype=np.int32
        )


# --- analysis -----------------------------------------------------------------------------
def _check_scheme(name: str, s: Any) -> Scheme:
    if not isinstance(s, Scheme):
        raise TypeError(f"{name} must be a scalemodel.hashing scheme, got {type(s).__name__}")
    return s


@dataclass(frozen=True)
class Balance(_TableDisplay):
    """How evenly keys (or popularity) spread over nodes.

    loads: keys per node (popularity weight for Zipf streams); shares: loads / total;
    nominal: what each node is meant to get; max_over_mean: largest load / mean load;
    cv: standard deviation / mean of the loads; chi_square and p_value: two-sided test of
    the counts against the nominal shares (NaN for popularity-weighted loads); hottest_share:
    the largest share (the hottest node's fraction of all load).
    """

    names: tuple[str, ...]
    loads: np.ndarray = field(repr=False)
    shares: np.ndarray = field(repr=False)
    nominal: np.ndarray = field(repr=False)
    max_over_mean: float
    cv: float
    chi_square: float
    p_value: float
    hottest_share: float
    weighted: bool

    def to_dict(self) -> dict[str, Any]:
        """Summary statistics as a dict."""
        return {
            k: getattr(self, k) for k in ("max_over_mean", "cv", "chi_square", "p_value", "hottest_share")
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per node: load, share, nominal share."""
        return pd.DataFrame(
            {"load": self.loads, "share": self.shares, "nominal": self.nominal},
            index=pd.Index(self.names, name="node"),
        )

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of each node's share against its nominal share; returns the Axes."""
        ax = _plot.axes(ax, (7, 3.5))
        x = np.arange(len(self.names))
        ax.bar(x, self.shares, label="share")
        ax.step(x, self.nominal, where="mid", color="black", linewidth=1, label="nominal")
        ax.set_xticks(x if len(x) <= 20 else x[:: max(1, len(x) // 10)])
        ax.set_xlabel("node")
        ax.set_ylabel("share of keys")
        ax.legend(fontsize="small")
        return ax


def _loads(scheme: Scheme, keys: Any, threads: int) -> tuple[np.ndarray, bool]:
    if isinstance(keys, KeyStream):
        return np.asarray(_h.stream_loads(scheme._impl, keys._engine, threads)), keys.weighted
    return np.asarray(_h.loads(scheme._impl, _keys(keys), threads)), False


def balance(scheme: Scheme, keys: Any, *, threads: int = 0) -> Balance:
    """Balance of ``scheme`` over ``keys`` (keys, PackedKeys or a KeyStream)."""
    _check_scheme("scheme", scheme)
    t = _threads(threads)
    loads, weighted = _loads(scheme, keys, t)
    r = _h.balance(list(loads), list(scheme.nominal_shares()), weighted)
    return Balance(
        names=scheme.names,
        loads=loads,
        shares=np.asarray(r["shares"]),
        nominal=np.asarray(r["nominal"]),
        max_over_mean=float(r["max_over_mean"]),
        cv=float(r["cv"]),
        chi_square=float(r["chi_square"]),
        p_value=float(r["p_value"]),
        hottest_share=float(r["hottest_share"]),
        weighted=weighted,
    )


@dataclass(frozen=True)
class Movement:
    """Keys that change node between two configurations.

    fraction: moved keys (or popularity) / all; optimum: the least any scheme must move to
    reach the new nominal shares (the share nodes gain, node i before = node i after; 1/(n+1)
    for adding one node to n equal ones); ratio: fraction / optimum.
    """

    fraction: float
    optimum: float
    nodes_before: int
    nodes_after: int

    @property
    def ratio(self) -> float:
        """fraction / optimum (1 is the best possible; inf if nothing had to move)."""
        return self.fraction / self.optimum if self.optimum > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """Fields and ratio as a dict."""
        return {k: getattr(self, k) for k in ("nodes_before", "nodes_after", "fraction", "optimum", "ratio")}


def movement(before: Scheme, after: Scheme, keys: Any, *, threads: int = 0) -> Movement:
    """Fraction of ``keys`` whose node differs between ``before`` and ``after``.

    Nodes are matched by name, so adding, removing (anywhere in the list) or reweighting
    nodes are all compared fairly; the optimum is the share the nodes gain, by name.
    """
    _check_scheme("before", before)
    _check_scheme("after", after)
    t = _threads(threads)
    ids: dict[str, int] = {}
    for name in (*before.names, *after.names):
        ids.setdefault(name, len(ids))
    ids_a = [ids[n] for n in before.names]
    ids_b = [ids[n] for n in after.names]
    if isinstance(keys, KeyStream):
        frac = _h.stream_moved(before._impl, after._impl, keys._engine, t, ids_a, ids_b)
    else:
        frac = _h.moved(before._impl, after._impl, _keys(keys), t, ids_a, ids_b)
    a, b = np.zeros(len(ids)), np.zeros(len(ids))
    a[ids_a] = before.nominal_shares()
    b[ids_b] = after.nominal_shares()
    optimum = float(np.clip(b - a, 0, None).sum())
    return Movement(float(frac), optimum, before.nodes, after.nodes)


@dataclass(frozen=True)
class Sweep(_TableDisplay):
    """A sweep result: ``to_frame()`` for the table, ``plot()`` for a figure."""

    frame: pd.DataFrame = field(repr=False)
    x: str
    y: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The sweep as a DataFrame (a copy)."""
        return self.frame.copy()

    def plot(self, ax: Any = None, logx: bool = True) -> Any:
        """Each y column against x, one line per scheme when there is a ``scheme`` column."""
        ax = _plot.axes(ax, (7, 4))
        groups = self.frame.groupby("scheme") if "scheme" in self.frame else [("", self.frame)]
        for label, g in groups:
            for col in self.y:
                ax.plot(g[self.x], g[col], marker="o", label=f"{label} {col}".strip())
        return _plot.finish(ax, self.x, log="x" if logx else "")


def expected_ring_imbalance(nodes: int, vnodes: int = 150) -> float:
    """Expected busiest node's load over the mean for uniform keys on a consistent-hash ring
    of ``nodes`` nodes with ``vnodes`` random points each (names do not matter, only that
    the points fall at random). A node's share is Beta(vnodes, (nodes - 1) vnodes); the
    expected maximum of ``nodes`` such shares (taken as independent) times ``nodes``.
    Checked in the tests against the mean of exact rings with different node names."""
    return float(
        _h.expected_ring_imbalance(_whole("nodes", nodes, 1, 1 << 24), _whole("vnodes", vnodes, 1, 1 << 24))
    )


def _whole_numbers(name: str, values: Any, minimum: int, maximum: int = 2**63 - 1) -> list[int]:
    """A sequence of whole numbers >= minimum (a list, tuple, range or 1-d array)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of whole numbers, got {type(values).__name__}")
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"{name} must be a 1-d sequence of whole numbers, got shape {values.shape}")
    return [
        _whole(name, v, minimum, maximum)
        for v in (values.tolist() if isinstance(values, np.ndarray) else values)
    ]


def _haproxy_weights(servers: int, weights: Any) -> list[int]:
    n = _whole("servers", servers, 1, 4096)
    if weights is None:
        return [1] * n
    w = np.asarray(weights)
    if w.dtype.kind not in "iu" or w.shape != (n,):
        raise TypeError(f"weights must be {n} whole numbers (haproxy's server weights, 0 to 256)")
    return [int(x) for x in w]


def haproxy_random_shares(servers: int, weights: Any = None) -> np.ndarray:
    """Each server's chance of being drawn by haproxy's ``balance random`` (2.x): the share
    of its consistent-hash ring (16 x weight points per server at haproxy's
    ``full_hash(puid x 4096 + j)``, puid = position + 1; a key goes to the nearest point).
    Unequal with few servers: 4 servers of weight 1 get 28.9%, 18.5%, 24.3% and 28.3%.
    weights: haproxy's server weights (whole numbers 0 to 256, default 1 each)."""
    return np.asarray(_h.haproxy_random_shares(_haproxy_weights(servers, weights)))


def haproxy_random_draws(
    servers: int, count: int, *, weights: Any = None, state: int = HAPROXY_PRNG_STATE
) -> np.ndarray:
    """The servers (0 .. servers - 1) of haproxy's first ``count`` random draws: its
    statistical_prng (xorshift32) from ``state``, each value looked up on the ring of
    :func:`haproxy_random_shares`. haproxy starts the generator from the same state
    (:data:`HAPROXY_PRNG_STATE`) in every process, so ``balance random(2)`` makes the same
    draws, two per request, in every run; ``simulate_balancer(..., draws=...)`` replays them."""
    c = _whole("count", count, 0, 1_000_000_000)
    st = _whole("state", state, 1, 2**32 - 1)
    return np.asarray(_h.haproxy_random_draws(_haproxy_weights(servers, weights), c, st))


def spread_vs_vnodes(nodes: Any, vnodes: Sequence[int], *, mode: str = "consistent") -> Sweep:
    """Exact spread of ring ownership against virtual nodes per server.

    For each vnodes count: the owned arc fractions of a :class:`Ring` (what uniform keys
    converge to), their max/mean, coefficient of variation, and smallest and largest share;
    ``1/sqrt(vnodes)`` is the approximate CV for comparison.
    """
    rows = []
    for v in _whole_numbers("vnodes", vnodes, 1):
        ring = Ring(nodes, vnodes=v, mode=mode)
        s = ring.arc_shares()
        rows.append(
            {
                "vnodes": int(v),
                "max_over_mean": float(s.max() / s.mean()),
                "cv": float(s.std() / s.mean()),
                "min_share": float(s.min()),
                "max_share": float(s.max()),
                "approx_cv": 1.0 / np.sqrt(v),
            }
        )
    return Sweep(pd.DataFrame(rows), "vnodes", ("cv", "approx_cv"))


def movement_vs_size(
    schemes: Sequence[Scheme], sizes: Sequence[int], keys: Any, *, threads: int = 0
) -> Sweep:
    """Fraction of keys that move when a cluster grows from n to n + 1 nodes, for each n.

    Each scheme is :meth:`Scheme.resized` to n and n + 1 nodes named node-0, node-1, ....
    """
    rows = []
    counts = _whole_numbers("sizes", sizes, 1, (1 << 20) - 1)  # n + 1 nodes within a scheme's limit
    for s in schemes:
        _check_scheme("schemes", s)
        for n in counts:
            m = movement(s.resized(n), s.resized(n + 1), keys, threads=threads)
            rows.append(
                {"scheme": type(s).__name__, "nodes": int(n), "moved": m.fraction, "optimum": m.optimum}
            )
    return Sweep(pd.DataFrame(rows), "nodes", ("moved",))


__dir__ = _api_dir(globals())
