// The umbrella module: `import GRUKit` brings in tensors, file formats, networks and training.
@_exported import GRUFormats
@_exported import GRUNetworks
@_exported import GRUTensor
@_exported import GRUTraining
