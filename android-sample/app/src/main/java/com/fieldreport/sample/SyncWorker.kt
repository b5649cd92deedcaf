package com.fieldreport.sample

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import com.fieldreport.FieldException

/** Syncs in the background; an unreachable server is retried later by WorkManager. */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val store = (applicationContext as SampleApp).store()
        return try {
            // If WorkManager stops the worker, the coroutine is cancelled and the sync stops at its
            // next page; the next run resumes.
            store.syncOnce()
            Result.success()
        } catch (e: FieldException.NotEnrolled) {
            Result.success() // nothing to sync before enrollment
        } catch (e: FieldException.DeviceRevoked) {
            Result.failure() // an admin revoked the device: it needs a new code
        } catch (e: FieldException.AccountDeactivated) {
            Result.failure() // the member was deactivated: the data stays until an admin reactivates them
        } catch (e: FieldException.Unreachable) {
            Result.retry()
        } catch (e: FieldException) {
            Result.failure()
        }
    }
}
