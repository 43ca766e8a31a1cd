// The umbrella module: `import GRUKit` brings in tensors, file formats and networks.
@_exported import GRUFormats
@_exported import GRUNetworks
@_exported import GRUTensor
