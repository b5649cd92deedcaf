import Foundation
import FieldReport

/// fieldreport's requests over URLSession (the system's TLS, certificates, proxies and cellular
/// policy). The library calls `post` on its own thread and waits for the answer, so it blocks
/// that thread on the data task; it is never called on the main thread. When the library no
/// longer wants the answer (a cancelled sync, a wait for news ended by a write) `request.call`
/// says so and the task is cancelled.
final class PlatformHttpClient: HttpClient {
    private let session = URLSession(configuration: .default)

    func post(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw FieldError.InvalidInput(reason: "`\(request.url)` is not a URL")
        }
        var req = URLRequest(url: url)
        req.httpMethod = "POST"
        req.timeoutInterval = TimeInterval(request.timeoutMs) / 1000
        req.setValue(request.contentType, forHTTPHeaderField: "Content-Type")
        if let token = request.bearerToken {
            req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        req.httpBody = request.body
        let done = DispatchSemaphore(value: 0)
        var result: Result<HttpResponse, Error> = .failure(FieldError.Unreachable(reason: "no answer"))
        let task = session.dataTask(with: req) { data, response, error in
            if let error = error {
                result = .failure(FieldError.Unreachable(reason: error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                // An error status is still the server's answer: the library reads its body.
                result = .success(HttpResponse(status: Int32(http.statusCode), body: data ?? Data()))
            }
            done.signal()
        }
        request.call.onCancel(listener: TaskCanceller(task))
        task.resume()
        done.wait()
        return try result.get()
    }
}

/// Cancels a data task when the library cancels its call.
final class TaskCanceller: CancelListener, @unchecked Sendable {
    let task: URLSessionTask
    init(_ task: URLSessionTask) { self.task = task }
    func onCancel() { task.cancel() }
}
