package com.fieldreport.sample

import com.fieldreport.CancelListener
import com.fieldreport.FieldException
import com.fieldreport.HttpClient
import com.fieldreport.HttpRequest
import com.fieldreport.HttpResponse
import java.io.IOException
import java.net.HttpURLConnection
import java.net.URL

/**
 * fieldreport's requests over the platform's HttpURLConnection (on Android backed by OkHttp, with
 * the system's TLS, certificates and proxy settings). The library calls it on its own thread; when
 * it no longer wants the answer (a cancelled sync, a wait for news ended by a write) it says so
 * through `request.call`, and the connection is closed, which ends the blocked read at once.
 * Also compiled and run by the JVM binding test (tests/ffi/FfiTest.kt).
 */
class PlatformHttpClient : HttpClient {
    override fun post(request: HttpRequest): HttpResponse {
        try {
            val conn = URL(request.url).openConnection() as HttpURLConnection
            request.call.onCancel(object : CancelListener {
                override fun onCancel() { conn.disconnect() }
            })
            try {
                val timeout = request.timeoutMs.coerceIn(0L, Int.MAX_VALUE.toLong()).toInt()
                conn.connectTimeout = timeout
                conn.readTimeout = timeout
                conn.requestMethod = "POST"
                conn.doOutput = true
                conn.setRequestProperty("Content-Type", request.contentType)
                request.bearerToken?.let { conn.setRequestProperty("Authorization", "Bearer $it") }
                conn.setFixedLengthStreamingMode(request.body.size)
                conn.outputStream.use { it.write(request.body) }
                val status = conn.responseCode
                // An error status is still the server's answer: the library reads its body.
                val stream = if (status >= 400) conn.errorStream else conn.inputStream
                val body = stream?.use { it.readBytes() } ?: ByteArray(0)
                return HttpResponse(status, body)
            } finally {
                conn.disconnect()
            }
        } catch (e: IOException) {
            throw FieldException.Unreachable(e.message ?: e.javaClass.simpleName)
        }
    }
}
