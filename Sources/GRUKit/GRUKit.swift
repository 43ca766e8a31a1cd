// The umbrella module: `import GRUKit` brings in tensors, file formats, networks, training,
// the file workflows, whole-model interchange (ONNX, Keras) and benchmarking. It declares nothing of its own.
@_exported import GRUBenchmarking
@_exported import GRUFormats
@_exported import GRUInterop
@_exported import GRUNetworks
@_exported import GRUTensor
@_exported import GRUTraining
@_exported import GRUWorkflows
