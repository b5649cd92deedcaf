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
import java.util.concurrent.TimeUnit

/** Holds the one store of the app. Opening it does disk I/O; it happens once, at start. */
class SampleApp : Application() {
    lateinit var store: FieldStore
        private set

    override fun onCreate() {
        super.onCreate()
        store = FieldStore.open(filesDir.resolve("fieldreport.db").path)
        // The library has no HTTP stack of its own: enroll and sync go through the platform's.
        store.setHttpClient(PlatformHttpClient())
        // Background sync every 15 minutes when there is a network (WorkManager's minimum).
        val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
            .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
            .build()
        WorkManager.getInstance(this).enqueueUniquePeriodicWork("sync", ExistingPeriodicWorkPolicy.KEEP, request)
        // When the network comes back, a running sync goes at once instead of waiting its backoff.
        getSystemService(ConnectivityManager::class.java).registerDefaultNetworkCallback(
            object : ConnectivityManager.NetworkCallback() {
                override fun onAvailable(network: Network) { store.networkAvailable() }
            })
    }
}
