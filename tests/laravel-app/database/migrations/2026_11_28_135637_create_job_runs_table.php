<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

/** One row each time a test job's handle() starts (see App\Jobs\Concerns\RecordsRuns). */
class CreateJobRunsTable extends Migration
{
    public function up()
    {
        Schema::create('job_runs', function (Blueprint $table) {
            $table->id();
            $table->string('job');
            $table->string('uuid')->nullable();
            $table->unsignedInteger('attempt')->nullable();
            $table->text('note')->nullable();
            $table->unsignedInteger('ran_at');
        });
    }

    public function down()
    {
        Schema::dropIfExists('job_runs');
    }
}
