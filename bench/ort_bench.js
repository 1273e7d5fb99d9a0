// Times an ONNX model in ONNX Runtime (CPU) on the same .npy inputs Tessera
// gets. Usage: node ort_bench.js MODEL.onnx INPUT_DIR ITERS THREADS  -> one
// JSON line. With ORT_PROF=PREFIX set, ONNX Runtime also writes its per-node
// profile to PREFIX_<date>.json (a Chrome trace: "Node" events, *_kernel_time).
const fs = require("fs");
const path = require("path");
const ort = require("onnxruntime-node");

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString("latin1", start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
                    .split(",")
                    .map((s) => s.trim())
                    .filter((s) => s.length)
                    .map(Number);
  const data = buf.subarray(start + hlen);
  const copy = (T) =>
      new T(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  const kinds = {
    "<f4" : [ "float32", () => copy(Float32Array) ],
    "<i8" : [ "int64", () => copy(BigInt64Array) ],
    "<i4" : [ "int32", () => copy(Int32Array) ],
    "|b1" : [ "bool", () => new Uint8Array(data) ],
  };
  if (!kinds[descr])
    throw new Error(`${file}: unsupported dtype ${descr}`);
  const [type, make] = kinds[descr];
  return new ort.Tensor(type, make(), shape);
}

async function main() {
  const [model, inputDir, itersArg, threadsArg] = process.argv.slice(2);
  const iters = Number(itersArg || 20), threads = Number(threadsArg || 2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads : threads,
    interOpNumThreads : 1,
    graphOptimizationLevel : "all",
    enableProfiling : !!process.env.ORT_PROF,
    profileFilePrefix : process.env.ORT_PROF || "ort",
  });
  const feeds = {};
  for (const name of session.inputNames)
    feeds[name] = readNpy(path.join(inputDir, `${name}.npy`));
  for (let i = 0; i < 3; i++)
    await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  if (process.env.ORT_PROF)
    session.endProfiling();
  console.log(JSON.stringify({
    median_ms : times[Math.floor(times.length / 2)],
    min_ms : times[0],
    iters,
    threads
  }));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
