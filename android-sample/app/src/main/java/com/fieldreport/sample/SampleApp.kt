package com.fieldreport.sample

import android.app.Application
import android.net.ConnectivityManager
import android.net.Network
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import com.fieldreport.FieldStore
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import java.util.concurrent.TimeUnit

/** Holds the one store of the app, opened once at start (a suspend call: opening creates or
 *  upgrades the database on the library's thread, never on the main thread). */
class SampleApp : Application() {
    /** The app's own scope: work that outlives any screen. */
    val appScope = MainScope()
    private lateinit var opened: Deferred<FieldStore>

    /** The store, once open. */
    suspend fun store(): FieldStore = opened.await()

    override fun onCreate() {
        super.onCreate()
        opened = appScope.async {
            FieldStore.open(filesDir.resolve("fieldreport.db").path).also {
                // The library has no HTTP stack of its own: enroll and sync go through the platform's.
                it.setHttpClient(PlatformHttpClient())
            }
        }
        // Background sync every 15 minutes when there is a network (WorkManager's minimum).
        val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
            .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
            .build()
        WorkManager.getInstance(this).enqueueUniquePeriodicWork("sync", ExistingPeriodicWorkPolicy.KEEP, request)
        // When the network comes back, a running sync goes at once instead of waiting its backoff.
        getSystemService(ConnectivityManager::class.java).registerDefaultNetworkCallback(
            object : ConnectivityManager.NetworkCallback() {
                override fun onAvailable(network: Network) { appScope.launch { store().networkAvailable() } }
            })
    }
}
