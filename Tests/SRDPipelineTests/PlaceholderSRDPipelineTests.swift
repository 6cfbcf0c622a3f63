import XCTest
import SRDPipeline
