/// Where `onnx.pb.swift` came from, so it can be regenerated the same way.
///
/// It was generated once from `onnx.proto` (proto2, package `onnx`) as shipped in the `onnx` Python package
/// 1.23.2 (the file's SHA-256 547214dd049486a4d5ecbae593e9c72d90b5e8d603944b722eff469e0b5a9cc9), with protoc from
/// the `grpcio-tools` Python package and protoc-gen-swift 1.39.0 built from apple/swift-protobuf at that tag:
///
///     python3 -m grpc_tools.protoc --plugin=protoc-gen-swift=PATH/protoc-gen-swift \
///       --swift_out=Sources/ONNX/Generated --swift_opt=Visibility=Package -I DIR DIR/onnx.proto
///
/// The package depends only on the SwiftProtobuf runtime; the plugin is never built by the package or CI.
package enum ONNXProto {
  /// The `onnx` Python package whose `onnx.proto` the code was generated from.
  package static let onnxVersion = "1.23.2"
  /// SHA-256 of that `onnx.proto`.
  package static let protoSHA256 = "547214dd049486a4d5ecbae593e9c72d90b5e8d603944b722eff469e0b5a9cc9"
}
