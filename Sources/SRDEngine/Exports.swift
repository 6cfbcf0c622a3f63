@_exported import SRDImaging
