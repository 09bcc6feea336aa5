// The hand-written encoder against an independent decoder: onnx-proto's protobufjs ModelProto (onnx.proto 1.x).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { DataType, encodeModel } from './onnxProto';

test('a model encoded here decodes with the ONNX schema, field for field', () => {
  const bytes = encodeModel({
    irVersion: 10, producerName: 'p', graphName: 'g',
    opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
    nodes: [{ opType: 'Shape', inputs: ['x'], outputs: ['s'], name: 'Shape_1', attrs: { start: 1, end: -2 } },
      { opType: 'SimplifiedLayerNormalization', inputs: ['x', 'w', ''], outputs: ['y'], name: 'N', domain: 'com.microsoft', attrs: { epsilon: { float: 1e-6 }, mode: 'm' } }],
    initializers: [{ name: 'c', dims: [2], dataType: DataType.INT64, raw: new Uint8Array(new BigInt64Array([-1n, 2n ** 62n]).buffer) },
      { name: 'w', dims: [3, 4], dataType: DataType.FLOAT16, external: { location: 'model.onnx.data', offset: 8192, length: 24 } }],
    inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: [1, 'window'] }],
    outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['n', 152064] }],
  });
  const m = onnx.ModelProto.decode(bytes);
  assert.equal(Number(m.irVersion), 10);
  assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 21], ['com.microsoft', 1]]);
  const g = m.graph as onnx.GraphProto; // decoded: every repeated field is an array
  assert.equal(g.name, 'g');
  assert.deepEqual(g.node.map((n) => [n.opType, n.input, n.output, n.name, n.domain]),
    [['Shape', ['x'], ['s'], 'Shape_1', ''], ['SimplifiedLayerNormalization', ['x', 'w', ''], ['y'], 'N', 'com.microsoft']]);
  assert.deepEqual(g.node[0].attribute!.map((a) => [a.name, Number(a.i), a.type]), [['end', -2, onnx.AttributeProto.AttributeType.INT], ['start', 1, onnx.AttributeProto.AttributeType.INT]]);
  const eps = g.node[1].attribute![0];
  assert.equal(eps.type, onnx.AttributeProto.AttributeType.FLOAT);
  assert.equal(eps.f, Math.fround(1e-6));
  assert.equal(new TextDecoder().decode(g.node[1].attribute![1].s!), 'm');
  const [c, w] = g.initializer;
  assert.deepEqual(c.dims!.map(Number), [2]);
  assert.deepEqual([...new BigInt64Array(new Uint8Array(c.rawData!).slice().buffer)], [-1n, 2n ** 62n]);
  assert.equal(w.dataType, DataType.FLOAT16);
  assert.equal(w.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
  assert.deepEqual(w.externalData!.map((e) => [e.key, e.value]), [['location', 'model.onnx.data'], ['offset', '8192'], ['length', '24']]);
  const dims = (v: onnx.IValueInfoProto): (string | number)[] => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims(g.input[0]), [1, 'window']);
  assert.deepEqual(dims(g.output[0]), ['n', 152064]);
});
